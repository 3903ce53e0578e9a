/**
 * Fits a tenant's at-risk model in a worker thread (src/dashboard/risk.service.ts starts it), so a fit of tens of
 * thousands of answers never holds the web process's event loop. Pure: the answer log in, the model out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { riskModelFor, type RiskAnswer } from '../engine/risk/index.js';

const { log, source, min } = workerData as { log: RiskAnswer[]; source: string; min: { sequences: number; perClass: number } };
parentPort!.postMessage(riskModelFor(log, { source }, min));
