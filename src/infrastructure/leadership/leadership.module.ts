import { Module } from '@nestjs/common';
import { Leaderships } from './leaderships.service.js';

/** One active worker per group across processes (see Leaderships); imported by the features that elect. */
@Module({ providers: [Leaderships], exports: [Leaderships] })
export class LeadershipModule {}
