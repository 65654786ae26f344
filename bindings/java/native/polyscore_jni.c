/*
 * polyscore_jni.c: the JNI glue of the Java binding (class dev.polyscore.Native).
 *
 * A client of the public C API only (include/polyscore/polyscore.h). Rules kept here:
 *  - Handles travel to Java as jlong and back; all life-cycle rules (close waits for
 *    calls in flight, use after close) live in Java (dev.polyscore.Model).
 *  - Failures become dev.polyscore.PolyscoreException, built by the static Java factory
 *    PolyscoreException.fromNative(int status, byte[] utf8Message). The message goes
 *    over as bytes, never through NewStringUTF, so arbitrary bytes from a corrupt file
 *    can never upset the JVM.
 *  - Input arrays: GetPrimitiveArrayCritical (no copy) only when Java asks for it
 *    (small batches, see Model.criticalLimit); larger batches are copied once with
 *    Get<Type>ArrayRegion so that a long prediction never holds the GC locker.
 *    The single-row fast paths (predictRowValue, predictRowInto) always read the row in
 *    place: one row is scored in microseconds at most.
 *    Nothing calls back into Java while a critical region is held.
 *  - Direct ByteBuffers are read in place via GetDirectBufferAddress.
 *  - One ps_error per OS thread, created on first use and freed at thread exit
 *    (pthread key), so no call allocates an error object on the hot path.
 */
#include <jni.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <polyscore/polyscore.h>

static jclass g_exception_class;      /* global ref: dev/polyscore/PolyscoreException */
static jmethodID g_exception_factory; /* static PolyscoreException fromNative(int, byte[]) */
static pthread_key_t g_error_key;

static void free_thread_error(void *p) { ps_error_free((ps_error *)p); }

/* This thread's error object, or NULL if it cannot be created (then only the status
 * name reaches Java). */
static ps_error *thread_error(void) {
  ps_error *err = (ps_error *)pthread_getspecific(g_error_key);
  if (err == NULL) {
    if (ps_error_create(&err) != PS_OK) return NULL;
    if (pthread_setspecific(g_error_key, err) != 0) {
      ps_error_free(err);
      return NULL;
    }
  }
  return err;
}

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
  (void)reserved;
  JNIEnv *env = NULL;
  if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK) return JNI_ERR;
  jclass local = (*env)->FindClass(env, "dev/polyscore/PolyscoreException");
  if (local == NULL) return JNI_ERR;
  g_exception_class = (jclass)(*env)->NewGlobalRef(env, local);
  (*env)->DeleteLocalRef(env, local);
  if (g_exception_class == NULL) return JNI_ERR;
  g_exception_factory = (*env)->GetStaticMethodID(env, g_exception_class, "fromNative",
                                                  "(I[B)Ldev/polyscore/PolyscoreException;");
  if (g_exception_factory == NULL) return JNI_ERR;
  if (pthread_key_create(&g_error_key, free_thread_error) != 0) return JNI_ERR;
  return JNI_VERSION_1_8;
}

/* Throws PolyscoreException(status, msg) unless an exception is already pending. */
static void throw_status(JNIEnv *env, ps_status status, const char *msg) {
  if ((*env)->ExceptionCheck(env)) return;
  if (msg == NULL || msg[0] == '\0') msg = ps_status_name(status);
  size_t n = strlen(msg);
  if (n > 65536) n = 65536;
  jbyteArray bytes = (*env)->NewByteArray(env, (jsize)n);
  if (bytes == NULL) return; /* OutOfMemoryError pending */
  (*env)->SetByteArrayRegion(env, bytes, 0, (jsize)n, (const jbyte *)msg);
  jobject exc = (*env)->CallStaticObjectMethod(env, g_exception_class, g_exception_factory,
                                               (jint)status, bytes);
  (*env)->DeleteLocalRef(env, bytes);
  if (exc != NULL && !(*env)->ExceptionCheck(env)) (*env)->Throw(env, (jthrowable)exc);
  if (exc != NULL) (*env)->DeleteLocalRef(env, exc);
}

static void throw_error(JNIEnv *env, ps_status status, ps_error *err) {
  throw_status(env, status, err != NULL ? ps_error_message(err) : NULL);
}

static ps_model *as_model(jlong handle) { return (ps_model *)(intptr_t)handle; }

static void make_options(ps_predict_options *o, jint output, jint begin, jint end,
                         jint threads, jint shap_algorithm) {
  ps_predict_options defaults = PS_PREDICT_OPTIONS_INIT;
  *o = defaults;
  o->output = output;
  o->iteration_begin = (uint32_t)begin;
  o->iteration_end = (uint32_t)end;
  o->num_threads = threads;
  o->shap_algorithm = shap_algorithm;
}

/* Points o at a copy of the Java per-row offsets (ps_predict_options.base_margin) in
 * *copy, which the caller frees; a null array: none. Copied, not pinned, so that no
 * critical region is held for them. Throws and returns 0 on failure. */
static int set_base_margin(JNIEnv *env, ps_predict_options *o, jdoubleArray base_margin,
                           double **copy) {
  *copy = NULL;
  if (base_margin == NULL) return 1;
  const jsize n = (*env)->GetArrayLength(env, base_margin);
  *copy = (double *)malloc(n > 0 ? (size_t)n * sizeof(double) : 1);
  if (*copy == NULL) {
    throw_status(env, PS_ERR_OUT_OF_MEMORY, "out of memory copying baseMargin");
    return 0;
  }
  (*env)->GetDoubleArrayRegion(env, base_margin, 0, n, *copy);
  o->base_margin = *copy;
  o->base_margin_len = (size_t)n;
  return 1;
}

/* Asks the library how many doubles n_rows rows give; throws and returns 0 on failure
 * (or when the result cannot be a Java array). */
static int output_size(JNIEnv *env, ps_model *model, size_t n_rows,
                       const ps_predict_options *o, ps_error *err, size_t *size) {
  ps_status st = ps_model_output_size(size, model, n_rows, o, err);
  if (st != PS_OK) {
    throw_error(env, st, err);
    return 0;
  }
  if (*size > (size_t)INT32_MAX - 8) {
    throw_status(env, PS_ERR_INVALID_ARGUMENT,
                 "the output has more values than a Java array can hold; score fewer rows");
    return 0;
  }
  return 1;
}

/* ---- versions ---------------------------------------------------------------- */

JNIEXPORT jint JNICALL Java_dev_polyscore_Native_libraryAbiVersion(JNIEnv *env, jclass cls) {
  (void)env; (void)cls;
  return (jint)ps_abi_version();
}

JNIEXPORT jint JNICALL Java_dev_polyscore_Native_headerAbiVersion(JNIEnv *env, jclass cls) {
  (void)env; (void)cls;
  return (jint)PS_ABI_VERSION;
}

JNIEXPORT jstring JNICALL Java_dev_polyscore_Native_libraryVersion(JNIEnv *env, jclass cls) {
  (void)cls;
  return (*env)->NewStringUTF(env, ps_version_string()); /* ASCII, e.g. "1.0.0" */
}

JNIEXPORT jstring JNICALL Java_dev_polyscore_Native_statusName(JNIEnv *env, jclass cls,
                                                                jint status) {
  (void)cls;
  return (*env)->NewStringUTF(env, ps_status_name((ps_status)status));
}

/* Throws the library's PS_ERR_ABI_VERSION when it is older than `required`. */
JNIEXPORT void JNICALL Java_dev_polyscore_Native_abiCheck(JNIEnv *env, jclass cls,
                                                         jint required) {
  (void)cls;
  ps_error *err = thread_error();
  ps_status st = ps_abi_check((uint32_t)required, err);
  if (st != PS_OK) throw_error(env, st, err);
}

/* ---- models ------------------------------------------------------------------ */

/* path: the file name's bytes, NUL-terminated by the caller. */
JNIEXPORT jlong JNICALL Java_dev_polyscore_Native_loadFile(JNIEnv *env, jclass cls,
                                                          jbyteArray path, jint format) {
  (void)cls;
  jsize n = (*env)->GetArrayLength(env, path);
  char *cpath = (char *)malloc((size_t)n + 1);
  if (cpath == NULL) {
    throw_status(env, PS_ERR_OUT_OF_MEMORY, "out of memory copying the model path");
    return 0;
  }
  (*env)->GetByteArrayRegion(env, path, 0, n, (jbyte *)cpath);
  cpath[n] = '\0';
  ps_load_options opts = PS_LOAD_OPTIONS_INIT;
  opts.format = format;
  ps_model *model = NULL;
  ps_error *err = thread_error();
  ps_status st = ps_model_load_file(&model, cpath, &opts, err);
  free(cpath);
  if (st != PS_OK) {
    throw_error(env, st, err);
    return 0;
  }
  return (jlong)(intptr_t)model;
}

/* Parsing can take a while: the bytes are copied out once rather than held critical. */
JNIEXPORT jlong JNICALL Java_dev_polyscore_Native_loadBuffer(JNIEnv *env, jclass cls,
                                                            jbyteArray data, jint format) {
  (void)cls;
  jsize n = (*env)->GetArrayLength(env, data);
  void *copy = malloc(n > 0 ? (size_t)n : 1);
  if (copy == NULL) {
    throw_status(env, PS_ERR_OUT_OF_MEMORY, "out of memory copying the model bytes");
    return 0;
  }
  (*env)->GetByteArrayRegion(env, data, 0, n, (jbyte *)copy);
  ps_load_options opts = PS_LOAD_OPTIONS_INIT;
  opts.format = format;
  ps_model *model = NULL;
  ps_error *err = thread_error();
  ps_status st = ps_model_load_buffer(&model, copy, (size_t)n, &opts, err);
  free(copy);
  if (st != PS_OK) {
    throw_error(env, st, err);
    return 0;
  }
  return (jlong)(intptr_t)model;
}

JNIEXPORT void JNICALL Java_dev_polyscore_Native_free(JNIEnv *env, jclass cls, jlong handle) {
  (void)env; (void)cls;
  ps_model_free(as_model(handle));
}

/* Fills nums[0..5] = format, num_features, num_outputs, num_margins, num_trees,
 * num_iterations; returns {objective, booster} as bytes. */
JNIEXPORT jobjectArray JNICALL Java_dev_polyscore_Native_info(JNIEnv *env, jclass cls,
                                                              jlong handle, jlongArray nums) {
  (void)cls;
  ps_model_info info = PS_MODEL_INFO_INIT;
  ps_error *err = thread_error();
  ps_status st = ps_model_info_get(&info, as_model(handle), err);
  if (st != PS_OK) {
    throw_error(env, st, err);
    return NULL;
  }
  jlong values[6] = {info.format, info.num_features, info.num_outputs,
                     info.num_margins, info.num_trees, info.num_iterations};
  (*env)->SetLongArrayRegion(env, nums, 0, 6, values);
  if ((*env)->ExceptionCheck(env)) return NULL;
  jclass byte_array = (*env)->FindClass(env, "[B");
  if (byte_array == NULL) return NULL;
  jobjectArray result = (*env)->NewObjectArray(env, 2, byte_array, NULL);
  if (result == NULL) return NULL;
  const char *strings[2] = {info.objective, info.booster};
  size_t caps[2] = {sizeof info.objective, sizeof info.booster};
  for (int i = 0; i < 2; ++i) {
    size_t len = strnlen(strings[i], caps[i]);
    jbyteArray b = (*env)->NewByteArray(env, (jsize)len);
    if (b == NULL) return NULL;
    (*env)->SetByteArrayRegion(env, b, 0, (jsize)len, (const jbyte *)strings[i]);
    (*env)->SetObjectArrayElement(env, result, i, b);
    (*env)->DeleteLocalRef(env, b);
  }
  return result;
}

JNIEXPORT jbyteArray JNICALL Java_dev_polyscore_Native_featureName(JNIEnv *env, jclass cls,
                                                                   jlong handle, jint index) {
  (void)cls;
  ps_error *err = thread_error();
  size_t len = 0;
  char small[256];
  ps_status st = ps_model_feature_name(small, sizeof small, &len, as_model(handle),
                                       (uint32_t)index, err);
  char *buf = small;
  if (st == PS_ERR_BUFFER_TOO_SMALL) {
    buf = (char *)malloc(len + 1);
    if (buf == NULL) {
      throw_status(env, PS_ERR_OUT_OF_MEMORY, "out of memory reading a feature name");
      return NULL;
    }
    st = ps_model_feature_name(buf, len + 1, &len, as_model(handle), (uint32_t)index, err);
  }
  jbyteArray result = NULL;
  if (st != PS_OK) {
    throw_error(env, st, err);
  } else {
    result = (*env)->NewByteArray(env, (jsize)len);
    if (result != NULL) (*env)->SetByteArrayRegion(env, result, 0, (jsize)len, (const jbyte *)buf);
  }
  if (buf != small) free(buf);
  return result;
}

/* Whether some split tests feature `index` as a category (ABI 6). */
JNIEXPORT jboolean JNICALL Java_dev_polyscore_Native_featureCategorical(JNIEnv *env, jclass cls,
                                                                        jlong handle, jint index) {
  (void)cls;
  ps_error *err = thread_error();
  int32_t categorical = 0;
  ps_status st = ps_model_feature_categorical(&categorical, as_model(handle), (uint32_t)index, err);
  if (st != PS_OK) {
    throw_error(env, st, err);
    return JNI_FALSE;
  }
  return categorical ? JNI_TRUE : JNI_FALSE;
}

/* ---- training categories (ABI 5) ---------------------------------------------- */

/* Returns the number of lists; saved[0] = whether the file saved lists at all (even none). */
JNIEXPORT jint JNICALL Java_dev_polyscore_Native_categoryListCount(JNIEnv *env, jclass cls,
                                                                  jlong handle, jbooleanArray saved) {
  (void)cls;
  ps_error *err = thread_error();
  uint32_t count = 0;
  int32_t was_saved = 0;
  ps_status st = ps_model_category_list_count(&count, &was_saved, as_model(handle), err);
  if (st != PS_OK) {
    throw_error(env, st, err);
    return 0;
  }
  jboolean b = was_saved ? JNI_TRUE : JNI_FALSE;
  (*env)->SetBooleanArrayRegion(env, saved, 0, 1, &b);
  return (jint)count;
}

/* out[0] = the list's feature (PS_CATEGORY_FEATURE_UNKNOWN: unknown), out[1] = its length. */
JNIEXPORT void JNICALL Java_dev_polyscore_Native_categoryList(JNIEnv *env, jclass cls, jlong handle,
                                                             jint list, jlongArray out) {
  (void)cls;
  ps_error *err = thread_error();
  int64_t feature = 0;
  uint32_t n = 0;
  ps_status st = ps_model_category_list(&feature, &n, as_model(handle), (uint32_t)list, err);
  if (st != PS_OK) {
    throw_error(env, st, err);
    return;
  }
  jlong values[2] = {(jlong)feature, (jlong)n};
  (*env)->SetLongArrayRegion(env, out, 0, 2, values);
}

/* The category's text (bytes); kind[0] = its PS_CATEGORY_* kind. */
JNIEXPORT jbyteArray JNICALL Java_dev_polyscore_Native_category(JNIEnv *env, jclass cls, jlong handle,
                                                               jint list, jint index, jintArray kind) {
  (void)cls;
  ps_error *err = thread_error();
  size_t len = 0;
  ps_category_kind k = 0;
  char small[256];
  ps_status st = ps_model_category(small, sizeof small, &len, &k, as_model(handle), (uint32_t)list,
                                   (uint32_t)index, err);
  char *buf = small;
  if (st == PS_ERR_BUFFER_TOO_SMALL) {
    buf = (char *)malloc(len + 1);
    if (buf == NULL) {
      throw_status(env, PS_ERR_OUT_OF_MEMORY, "out of memory reading a training category");
      return NULL;
    }
    st = ps_model_category(buf, len + 1, &len, &k, as_model(handle), (uint32_t)list, (uint32_t)index, err);
  }
  jbyteArray result = NULL;
  if (st != PS_OK) {
    throw_error(env, st, err);
  } else {
    jint kinds[1] = {(jint)k};
    (*env)->SetIntArrayRegion(env, kind, 0, 1, kinds);
    result = (*env)->NewByteArray(env, (jsize)len);
    if (result != NULL) (*env)->SetByteArrayRegion(env, result, 0, (jsize)len, (const jbyte *)buf);
  }
  if (buf != small) free(buf);
  return result;
}

/* ---- predict ----------------------------------------------------------------- */

/* predictArray's scoring, once the options are made: a new double[size], or NULL with
 * an exception pending. */
static jdoubleArray predict_array_into(JNIEnv *env, ps_model *model, jarray rows, jint dtype,
                                       jlong n_rows, jlong n_cols, size_t elem, size_t n_values,
                                       const ps_predict_options *opts, ps_error *err, size_t size,
                                       jboolean critical) {
  const ps_predict_options o = *opts;
  jdoubleArray result = (*env)->NewDoubleArray(env, (jsize)size);
  if (result == NULL) return NULL; /* OutOfMemoryError pending */

  ps_status st;
  if (critical) {
    void *in = (*env)->GetPrimitiveArrayCritical(env, rows, NULL);
    if (in == NULL) return NULL;
    double *out = (double *)(*env)->GetPrimitiveArrayCritical(env, result, NULL);
    if (out == NULL) {
      (*env)->ReleasePrimitiveArrayCritical(env, rows, in, JNI_ABORT);
      return NULL;
    }
    st = ps_model_predict_dense(out, size, model, in, dtype, (size_t)n_rows, (size_t)n_cols,
                                &o, err);
    (*env)->ReleasePrimitiveArrayCritical(env, result, out, 0);
    (*env)->ReleasePrimitiveArrayCritical(env, rows, in, JNI_ABORT);
  } else {
    void *in = malloc(n_values > 0 ? n_values * elem : 1);
    double *out = (double *)malloc(size > 0 ? size * sizeof(double) : 1);
    if (in == NULL || out == NULL) {
      free(in);
      free(out);
      throw_status(env, PS_ERR_OUT_OF_MEMORY, "out of memory copying the rows");
      return NULL;
    }
    if (dtype == PS_DTYPE_FLOAT32) {
      (*env)->GetFloatArrayRegion(env, (jfloatArray)rows, 0, (jsize)n_values, (jfloat *)in);
    } else {
      (*env)->GetDoubleArrayRegion(env, (jdoubleArray)rows, 0, (jsize)n_values, (jdouble *)in);
    }
    st = ps_model_predict_dense(out, size, model, in, dtype, (size_t)n_rows, (size_t)n_cols,
                                &o, err);
    if (st == PS_OK) (*env)->SetDoubleArrayRegion(env, result, 0, (jsize)size, out);
    free(in);
    free(out);
  }
  if (st != PS_OK) {
    throw_error(env, st, err);
    return NULL;
  }
  return result;
}

/*
 * rows: a double[] (dtype PS_DTYPE_FLOAT64) or float[] (PS_DTYPE_FLOAT32) of at least
 * n_rows * n_cols values. critical: read rows and write the result in place inside a
 * critical region (no copies; Java asks for it only for small batches); otherwise the
 * rows are copied once and the prediction runs outside any critical region.
 */
JNIEXPORT jdoubleArray JNICALL Java_dev_polyscore_Native_predictArray(
    JNIEnv *env, jclass cls, jlong handle, jarray rows, jint dtype, jlong n_rows, jlong n_cols,
    jint output, jint begin, jint end, jint threads, jint shap_algorithm, jboolean critical,
    jdoubleArray base_margin) {
  (void)cls;
  if (dtype != PS_DTYPE_FLOAT32 && dtype != PS_DTYPE_FLOAT64) {
    throw_status(env, PS_ERR_INVALID_ARGUMENT, "unknown dtype");
    return NULL;
  }
  const size_t elem = dtype == PS_DTYPE_FLOAT32 ? sizeof(float) : sizeof(double);
  const jsize len = (*env)->GetArrayLength(env, rows);
  if (n_rows < 0 || n_cols < 0 || (n_cols > 0 && n_rows > (jlong)len / n_cols)) {
    throw_status(env, PS_ERR_SHAPE, "the array holds fewer than n_rows * n_cols values");
    return NULL;
  }
  const size_t n_values = (size_t)n_rows * (size_t)n_cols;
  ps_model *model = as_model(handle);
  ps_error *err = thread_error();
  ps_predict_options o;
  make_options(&o, output, begin, end, threads, shap_algorithm);
  size_t size = 0;
  if (!output_size(env, model, (size_t)n_rows, &o, err, &size)) return NULL;
  double *offsets = NULL;
  if (!set_base_margin(env, &o, base_margin, &offsets)) return NULL;
  jdoubleArray result = predict_array_into(env, model, rows, dtype, n_rows, n_cols, elem, n_values,
                                           &o, err, size, critical);
  free(offsets);
  return result;
}

/* Direct buffer: n_rows * n_cols values of dtype starting byte_offset bytes into it,
 * read in place (no copy). The result is written to native memory, then copied into
 * the new double[], so no critical region is held while scoring. */
JNIEXPORT jdoubleArray JNICALL Java_dev_polyscore_Native_predictBuffer(
    JNIEnv *env, jclass cls, jlong handle, jobject buffer, jlong byte_offset, jint dtype,
    jlong n_rows, jlong n_cols, jint output, jint begin, jint end, jint threads,
    jint shap_algorithm, jdoubleArray base_margin) {
  (void)cls;
  if (dtype != PS_DTYPE_FLOAT32 && dtype != PS_DTYPE_FLOAT64) {
    throw_status(env, PS_ERR_INVALID_ARGUMENT, "unknown dtype");
    return NULL;
  }
  const size_t elem = dtype == PS_DTYPE_FLOAT32 ? sizeof(float) : sizeof(double);
  char *base = (char *)(*env)->GetDirectBufferAddress(env, buffer);
  jlong capacity = (*env)->GetDirectBufferCapacity(env, buffer);
  if (base == NULL || capacity < 0) {
    throw_status(env, PS_ERR_INVALID_ARGUMENT, "the ByteBuffer is not a direct buffer");
    return NULL;
  }
  if (n_rows < 0 || n_cols < 0 || byte_offset < 0 || byte_offset > capacity ||
      (n_cols > 0 && n_rows > (capacity - byte_offset) / (jlong)elem / n_cols)) {
    throw_status(env, PS_ERR_SHAPE, "the buffer holds fewer than n_rows * n_cols values");
    return NULL;
  }
  const char *in = base + byte_offset;
  if (((uintptr_t)in) % elem != 0) {
    throw_status(env, PS_ERR_INVALID_ARGUMENT,
                 "the buffer's data is not aligned to its element size");
    return NULL;
  }
  ps_model *model = as_model(handle);
  ps_error *err = thread_error();
  ps_predict_options o;
  make_options(&o, output, begin, end, threads, shap_algorithm);
  size_t size = 0;
  if (!output_size(env, model, (size_t)n_rows, &o, err, &size)) return NULL;
  jdoubleArray result = (*env)->NewDoubleArray(env, (jsize)size);
  if (result == NULL) return NULL;
  double *offsets = NULL;
  if (!set_base_margin(env, &o, base_margin, &offsets)) return NULL;
  double *out = (double *)malloc(size > 0 ? size * sizeof(double) : 1);
  if (out == NULL) {
    free(offsets);
    throw_status(env, PS_ERR_OUT_OF_MEMORY, "out of memory for the result");
    return NULL;
  }
  ps_status st = ps_model_predict_dense(out, size, model, in, dtype, (size_t)n_rows,
                                        (size_t)n_cols, &o, err);
  if (st == PS_OK) (*env)->SetDoubleArrayRegion(env, result, 0, (jsize)size, out);
  free(out);
  free(offsets);
  if (st != PS_OK) {
    throw_error(env, st, err);
    return NULL;
  }
  return result;
}

/* The single-row fast path: the row is copied to the stack (a short region copy, no
 * critical section), scored with ps_model_predict_row, and the result returned. */
JNIEXPORT jdoubleArray JNICALL Java_dev_polyscore_Native_predictRow(
    JNIEnv *env, jclass cls, jlong handle, jdoubleArray row, jint output, jint begin,
    jint end, jint shap_algorithm, jdoubleArray base_margin) {
  (void)cls;
  enum { STACK_VALUES = 256 };
  double row_stack[STACK_VALUES], out_stack[STACK_VALUES];
  const jsize n = (*env)->GetArrayLength(env, row);
  ps_model *model = as_model(handle);
  ps_error *err = thread_error();
  ps_predict_options o;
  make_options(&o, output, begin, end, 1, shap_algorithm);
  size_t size = 0;
  if (!output_size(env, model, 1, &o, err, &size)) return NULL;
  double *offsets = NULL;
  if (!set_base_margin(env, &o, base_margin, &offsets)) return NULL;
  double *in = n <= STACK_VALUES ? row_stack : (double *)malloc((size_t)n * sizeof(double));
  double *out = size <= STACK_VALUES ? out_stack : (double *)malloc(size * sizeof(double));
  jdoubleArray result = NULL;
  if (in == NULL || out == NULL) {
    throw_status(env, PS_ERR_OUT_OF_MEMORY, "out of memory scoring a row");
  } else {
    (*env)->GetDoubleArrayRegion(env, row, 0, n, in);
    ps_status st = ps_model_predict_row(out, size, model, in, (size_t)n, &o, err);
    if (st != PS_OK) {
      throw_error(env, st, err);
    } else {
      result = (*env)->NewDoubleArray(env, (jsize)size);
      if (result != NULL) (*env)->SetDoubleArrayRegion(env, result, 0, (jsize)size, out);
    }
  }
  if (in != row_stack) free(in);
  if (out != out_stack) free(out);
  free(offsets);
  return result;
}

/* predictRowValue's and predictRowInto's scoring, shared: the Java row's n values read in
 * place (GetPrimitiveArrayCritical: a row is scored in microseconds at most, so the GC
 * locker is held briefly; Get<Type>ArrayRegion measured ~40 ns more per call than
 * Get/ReleasePrimitiveArrayCritical for a 50-value row), out[0..size); NULL options for
 * VALUE. The call is made with a NULL ps_error and, only when it fails, once more with
 * this thread's error object for the message, still inside the critical region (no JNI
 * call there), and the exception is thrown after the release. Throws and returns 0 on
 * failure. */
static int score_row(JNIEnv *env, ps_model *model, jdoubleArray row, jint n, double *out,
                     jint size, jint output) {
  ps_predict_options o;
  const ps_predict_options *opts = NULL;
  if (output != PS_OUTPUT_VALUE) {
    make_options(&o, output, 0, 0, 1, PS_SHAP_AUTO); /* VALUE or MARGIN: no SHAP */
    opts = &o;
  }
  static const double k_empty = 0;
  /* an empty row is not pinned: the library gets a valid pointer and the shape error */
  double *in = NULL;
  if (n > 0) {
    in = (double *)(*env)->GetPrimitiveArrayCritical(env, row, NULL);
    if (in == NULL) return 0; /* OutOfMemoryError pending */
  }
  const double *values = in != NULL ? in : &k_empty;
  ps_status st = ps_model_predict_row(out, (size_t)size, model, values, (size_t)n, opts, NULL);
  ps_error *err = NULL;
  ps_status again = PS_OK;
  if (st != PS_OK) {
    err = thread_error();
    again = ps_model_predict_row(out, (size_t)size, model, values, (size_t)n, opts, err);
  }
  if (in != NULL) (*env)->ReleasePrimitiveArrayCritical(env, row, in, JNI_ABORT);
  if (st == PS_OK) return 1;
  if (again != PS_OK) {
    throw_error(env, again, err);
  } else {
    throw_status(env, st, NULL);
  }
  return 0;
}

/* The single-row fast path for an output kind with one value per row (over all rounds):
 * the value is the return value (no result array to copy into). See predictRowInto. */
JNIEXPORT jdouble JNICALL Java_dev_polyscore_Native_predictRowValue(
    JNIEnv *env, jclass cls, jlong handle, jdoubleArray row, jint n, jint output) {
  (void)cls;
  double value = 0;
  return score_row(env, as_model(handle), row, n, &value, 1, output) ? value : 0;
}

/* The single-row fast path for output kind `output` over all rounds, into a result array
 * Java allocated with the size it knows from the model's info (n = row.length, size =
 * out.length, passed in to save two JNI calls). The row is read in place (score_row);
 * results of up to STACK_VALUES doubles go through a stack buffer and
 * SetDoubleArrayRegion. ps_model_predict_row writes nothing on failure and answers the
 * same arguments the same way, so score_row's second call gives the same error. */
JNIEXPORT void JNICALL Java_dev_polyscore_Native_predictRowInto(
    JNIEnv *env, jclass cls, jlong handle, jdoubleArray row, jint n, jdoubleArray result,
    jint size, jint output) {
  (void)cls;
  enum { STACK_VALUES = 256 };
  double out_stack[STACK_VALUES];
  double *out = size <= STACK_VALUES ? out_stack : (double *)malloc((size_t)size * sizeof(double));
  if (out == NULL) {
    throw_status(env, PS_ERR_OUT_OF_MEMORY, "out of memory scoring a row");
    return;
  }
  if (score_row(env, as_model(handle), row, n, out, size, output)) {
    (*env)->SetDoubleArrayRegion(env, result, 0, size, out);
  }
  if (out != out_stack) free(out);
}
