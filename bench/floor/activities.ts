import { setTimeout as sleep } from 'node:timers/promises';

export interface FloorCall {
  kind: string;
  padding: string;
}

/** No IDWise call: each waits `waitMs` (the time the journey's activity spends on IDWise) and echoes its input. */
export function createFloorActivities(waitMs: number) {
  return {
    async floorCall(call: FloorCall): Promise<FloorCall> {
      await sleep(waitMs);
      return call;
    },
  };
}

export type FloorActivities = ReturnType<typeof createFloorActivities>;
