import { InstrumentsSection } from './instruments-section';
import { ParkedSagasSection } from './parked-sagas-section';
import { ProjectionsSection } from './projections-section';

/**
 * Projections, parked sagas and instruments: what an operator acts on. Each section reads
 * on its own, so a market that does not answer leaves the projections and sagas usable.
 */
export function OperationsPage() {
  return (
    <>
      <h1>Operations</h1>
      <ProjectionsSection />
      <ParkedSagasSection />
      <InstrumentsSection />
    </>
  );
}
