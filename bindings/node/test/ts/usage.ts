// Compiled with `tsc --noEmit -p test/ts` to check that index.d.ts describes the API.
import polyscore = require('../..');
import { PolyscoreError, Model, ModelInfo, NamedRow, PredictOptions, ShapAlgorithm, StatusCode } from '../..';

const m: Model = polyscore.load('examples/fraud/fraud-v3.json');
const info: ModelInfo = m.info;
const names: readonly string[] = info.featureNames;
const categorical: readonly number[] = m.categoricalFeatures;
const n: number = info.numFeatures + info.numOutputs + info.numTrees;
const fmt: 'xgboost-json' | 'xgboost-ubjson' | 'lightgbm-text' | 'unknown' = info.format;
const opts: PredictOptions = { output: 'margin', iterationBegin: 0, iterationEnd: 10, numThreads: 2 };
const a: Float64Array = m.predict(new Float64Array([0.4, 1.2]), 1, opts);
const b: Float64Array = m.predict(new Float32Array([0.4, 1.2]));
const c: Float64Array = m.predict([0.4, 1.2], 1, { output: 'leaf' });
const d: Float64Array = m.predictRow([0.4, 1.2]);
const size: number = m.outputSize(10, { output: 'leaf' });
const p: Promise<Float64Array> = m.predictAsync(new Float64Array([0.4, 1.2]), 1);
const m2: Model = polyscore.loadBuffer(new Uint8Array(0));
const m3: Model = polyscore.load(new URL('file:///tmp/m.json'));
const v: number = polyscore.checkAbi(polyscore.REQUIRED_ABI_VERSION) + polyscore.abiVersion();
const s: string = polyscore.version();
const st: number = polyscore.Status.PS_ERR_SHAPE;
const closed: boolean = m.closed;
const named: NamedRow[] = [{ amount_zscore: 0.4, velocity: 1.2 }, { velocity: null, amount_zscore: 0 }];
const e: Float64Array = m.predict(named, { output: 'margin' });
const f: Float64Array = m.predictRow({ amount_zscore: 0.4, velocity: undefined });
const g: Promise<Float64Array> = m.predictAsync(named);
const algo: ShapAlgorithm = 'quadrature';
const h: Float64Array = m.predict([0.4, 1.2], 1, { output: 'contrib', shapAlgorithm: algo });

p.then((r) => r[0]).catch((e: unknown) => {
  if (e instanceof PolyscoreError) {
    const code: StatusCode = e.code;
    const status: number = e.status;
    const offset: number | undefined = e.offset;
    const msg: string = e.message;
    void [code, status, offset, msg];
  }
});
m.close();
void [names, categorical, n, fmt, a, b, c, d, e, f, g, h, size, m2, m3, v, s, st, closed];

// @ts-expect-error output must be one of 'value' | 'margin' | 'leaf'
m.predict(new Float64Array(2), 1, { output: 'probability' });
// @ts-expect-error shapAlgorithm must be one of 'auto' | 'treeshap' | 'quadrature'
m.predict(new Float64Array(2), 1, { output: 'contrib', shapAlgorithm: 'exact' });
// @ts-expect-error info is read-only
m.info = info;
// @ts-expect-error categoricalFeatures is read-only
m.categoricalFeatures = [];
// @ts-expect-error a value given by name must be a number (or null)
m.predict([{ amount_zscore: 'N/A', velocity: 1.2 }]);
