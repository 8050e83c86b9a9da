import { describe, expect, it } from '@jest/globals';
import { cpuReference, type BenchReport } from '../bench/report.js';
import { threadCpuGroups } from '../bench/worker-process.js';

describe('the bench splits the worker CPU by thread group', () => {
  const before = {
    '100': { name: 'main', s: 10 },
    '101': { name: 'node', s: 4 },
    '102': { name: 'node', s: 4 },
    '110': { name: 'node', s: 1 },
    '111': { name: 'tokio-runtime-w', s: 2 },
    '112': { name: 'tokio-runtime-w', s: 2 },
    '113': { name: 'workflow-proces', s: 0.5 },
    '114': { name: 'temporal-real-s', s: 0.25 },
  };

  it('tells the workflow thread apart as the node thread busiest over the phase, whatever its total', () => {
    const after = {
      '100': { name: 'main', s: 13 },
      '101': { name: 'node', s: 4.5 }, // most CPU in all, but mostly from before the phase
      '102': { name: 'node', s: 4.25 },
      '110': { name: 'node', s: 3 },
      '111': { name: 'tokio-runtime-w', s: 2.5 },
      '112': { name: 'tokio-runtime-w', s: 2.25 },
      '113': { name: 'workflow-proces', s: 0.75 },
      '114': { name: 'temporal-real-s', s: 0.25 }, // did nothing in the phase: no group
      '120': { name: 'node', s: 0.5 }, // started during the phase: all of it counts
    };
    expect(threadCpuGroups(before, after)).toEqual({
      main: 3,
      'workflow thread': 2,
      'V8 and libuv helpers': 1.25,
      core: 0.75,
      'workflow-proces': 0.25,
    });
  });

  it('leaves out threads that ended during the phase rather than counting them negative', () => {
    const after = { '100': { name: 'main', s: 11 }, '110': { name: 'node', s: 1.5 } };
    expect(threadCpuGroups(before, after)).toEqual({ main: 1, 'workflow thread': 0.5 });
  });
});

describe('the bench sets the journey worker CPU against the SDK floor', () => {
  const report = (floorWorkerMs?: number) =>
    ({
      settings: { journeys: 200 },
      baseline: { cpuS: { benchProcess: 3.2 } }, // 16 ms per journey
      temporal: { cpuS: { worker: 9.6, devServer: 8.8 } }, // 48 and 44 ms
      ...(floorWorkerMs === undefined ? {} : { floor: { cpuMsPerJourney: { worker: floorWorkerMs } } }),
    }) as unknown as BenchReport;

  it('splits the worker CPU into the floor and the journey own work, each against the plain script', () => {
    expect(cpuReference(report(28))).toMatchObject({
      referenceMs: 16,
      workerMs: 48,
      worker: 3,
      floorWorkerMs: 28,
      floorWorker: 1.75,
      aboveFloorMs: 20,
      aboveFloor: 1.25,
    });
  });

  it('says nothing of a floor that was not measured (reports from before it)', () => {
    expect(cpuReference(report())).toMatchObject({
      worker: 3,
      floorWorkerMs: null,
      aboveFloorMs: null,
      aboveFloor: null,
    });
  });
});
