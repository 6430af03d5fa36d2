import { Module } from '@nestjs/common';
import { CheckpointProgress } from './checkpoint-progress.js';

/** One CheckpointProgress for the process: every module that imports this one shares it. */
@Module({ providers: [CheckpointProgress], exports: [CheckpointProgress] })
export class CheckpointProgressModule {}
