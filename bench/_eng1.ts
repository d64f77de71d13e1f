import { measureEngineFloor } from './engine.js';
const n = Number(process.env.N);
const shape = process.env.SHAPE ?? 'aliases';
import * as variants from './variants.js';
(variants as any).CURVE_SIZES.length = 0; (variants as any).CURVE_SIZES.push(n);
const f = await measureEngineFloor([shape as any], { batches: 10, batchMs: 400 });
console.log(JSON.stringify(f));
