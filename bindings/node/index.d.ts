// Type definitions for polyscore (Node.js binding of libpolyscore.so.1).

// StatusCode, FormatName, Output and ShapAlgorithm are generated from the C header.
import type { StatusCode, FormatName, Output, ShapAlgorithm } from './constants';
export type { StatusCode, FormatName, Output, ShapAlgorithm };

export declare const Status: Readonly<{ [K in StatusCode]: number }>;

/** Every failure of the library, and of the binding's own checks of shapes and options. */
export declare class PolyscoreError extends Error {
  constructor(message: string, code: StatusCode, status: number, offset?: number);
  readonly name: 'PolyscoreError';
  /** Status name, e.g. 'PS_ERR_SHAPE'. */
  readonly code: StatusCode;
  /** Numeric ps_status, e.g. 6. */
  readonly status: number;
  /** Byte offset in the model file where loading failed, when known. */
  readonly offset: number | undefined;
}

export interface PredictOptions {
  /** 'value' (default): what the training library's predict returns; 'margin': the raw
   *  sum before the link function; 'leaf': per tree used, the id of the leaf reached. */
  output?: Output;
  /** First boosting round used; default 0. */
  iterationBegin?: number;
  /** One past the last round used; 0 (default) means all. */
  iterationEnd?: number;
  /** Threads for a batch call: 1 (default), 0 = all cores. Ignored by predictRow.
   *  Any other option name is an error. */
  numThreads?: number;
  /** Per-row margin offsets, as XGBoost's base_margin: nRows * numMargins numbers,
   *  row-major (one per class of a multiclass model), e.g. log(exposure) of a Poisson
   *  model. They take the place of the model's base score (LightGBM: added to the raw
   *  score, as raw_score + init_score). Not for output 'leaf'. Default: none. */
  baseMargin?: Float64Array | readonly number[];
  /** The SHAP algorithm of output 'contrib' and 'interactions' (others ignore it).
   *  'auto' (default): as the library that wrote the file, XGBoost 3.3+ files by
   *  QuadratureTreeSHAP, older XGBoost files and LightGBM by exact TreeSHAP. 'treeshap':
   *  the bits of XGBoost <= 3.2, LightGBM and shap's TreeExplainer. 'quadrature':
   *  XGBoost 3.3+'s, which it uses for every file it loads (to match xgboost 3.4's
   *  pred_contribs on a file saved by 3.2); XGBoost models only (PS_ERR_UNSUPPORTED on
   *  LightGBM). Another name is a PS_ERR_INVALID_ARGUMENT error. */
  shapAlgorithm?: ShapAlgorithm;
}

export type ModelFormat = Exclude<FormatName, 'auto'>;

export interface ModelInfo {
  readonly format: ModelFormat;
  /** Values each row must have. */
  readonly numFeatures: number;
  /** Values per row for output 'value'. */
  readonly numOutputs: number;
  /** Values per row for output 'margin'. */
  readonly numMargins: number;
  readonly numTrees: number;
  readonly numIterations: number;
  /** As the training library names it, e.g. 'binary:logistic', 'multiclass'. */
  readonly objective: string;
  /** 'gbtree', 'dart', 'gblinear', 'gbdt', 'rf', ... */
  readonly booster: string;
  /** One per feature; '' where the file has no name. */
  readonly featureNames: readonly string[];
}

/** The categories of one categorical column of the training data (Model.categories). */
export interface CategoryList {
  /** The feature index the list codes (XGBoost 3.1+), or null when the file does not say
   *  (LightGBM's pandas_categorical: list i is the i-th categorical DataFrame column). */
  readonly feature: number | null;
  /** In training order: the code of a value is its index. */
  readonly values: readonly (string | number | bigint | boolean)[];
}

/** Rows: Float64Array and Float32Array are read in place; anything else is copied once. */
export type Rows = Float64Array | Float32Array | ArrayLike<number>;

/** A row given by feature name: exactly the model's info.featureNames as keys, in any
 *  order; null or undefined is a missing value. */
export type NamedRow = { readonly [feature: string]: number | null | undefined };

export declare class Model {
  private constructor();
  /** Read at load; stays readable after close(). */
  readonly info: ModelInfo;
  /** The training categories the model file saved, one list per categorical column;
   *  empty when it saved none. Throws PS_ERR_INVALID_HANDLE after close(). */
  readonly categories: readonly CategoryList[];
  /** Whether the file saved category lists at all, even none (LightGBM
   *  "pandas_categorical:[]", every XGBoost 3.1+ model), or none (LightGBM
   *  "pandas_categorical:null", XGBoost before 3.1). Throws PS_ERR_INVALID_HANDLE after close(). */
  readonly categoriesSaved: boolean;
  /** The indices of the features some split tests as a category, ascending (empty for
   *  numeric splits only): they take category codes, whether or not the file saved their
   *  categories. Throws PS_ERR_INVALID_HANDLE after close(). */
  readonly categoricalFeatures: readonly number[];
  /** True once close() was called. */
  readonly closed: boolean;
  /** Number of values predict returns for nRows rows with these options. */
  outputSize(nRows: number, options?: PredictOptions): number;
  /**
   * Scores nRows rows stored row-major (nRows * info.numFeatures values). nRows may be
   * left out: it is then rows.length / info.numFeatures. Returns nRows * k values, row
   * after row, k = outputSize(1, options).
   */
  predict(rows: Rows, nRows?: number, options?: PredictOptions): Float64Array;
  /**
   * Scores rows given by feature name, each matched to info.featureNames (names as the
   * model file stores them). A missing feature, an unknown name, a value that is not a
   * number or null, and a model whose file names no features throw PolyscoreError
   * PS_ERR_INVALID_ARGUMENT naming them.
   */
  predict(rows: readonly NamedRow[], options?: PredictOptions): Float64Array;
  /** As predict, on the libuv thread pool. Failures reject with PolyscoreError. */
  predictAsync(rows: Rows, nRows?: number, options?: PredictOptions): Promise<Float64Array>;
  predictAsync(rows: readonly NamedRow[], options?: PredictOptions): Promise<Float64Array>;
  /** Scores one row of info.numFeatures values, or one row by feature name, on the
   *  single-row fast path. */
  predictRow(row: Float64Array | ArrayLike<number> | NamedRow, options?: PredictOptions): Float64Array;
  /** Frees the model. Calls in flight finish normally; later calls throw
   *  PolyscoreError PS_ERR_INVALID_HANDLE. Closing twice is harmless. */
  close(): void;
}

/** Loads a model file: XGBoost JSON or UBJSON, LightGBM text (detected from the content). */
export declare function load(path: string | URL): Model;

/** Loads a model from its bytes. The bytes are not kept. */
export declare function loadBuffer(bytes: ArrayBufferView | ArrayBuffer): Model;

/** ABI version this binding was compiled against. */
export declare const REQUIRED_ABI_VERSION: number;

/**
 * Returns the loaded library's ABI version when it offers at least `required`
 * (default REQUIRED_ABI_VERSION); otherwise throws PolyscoreError PS_ERR_ABI_VERSION with
 * a message naming both versions. The binding calls it once when it is loaded.
 */
export declare function checkAbi(required?: number): number;

/** ABI version of the loaded library. */
export declare function abiVersion(): number;

/** Release of the loaded library, e.g. '1.0.0'. */
export declare function version(): string;
