/* bench/ffi/java/empty_jni.c: libpsffi_jni.so, the empty JNI methods of FfiCost.
 * empty: the binding's signature (Native.predictRowValue: handle, row array, its length,
 *        output kind; a double back) and the least a JNI method must do to read the row:
 *        pin it (GetPrimitiveArrayCritical) and release it. No scoring.
 * noop:  the same arguments, nothing done with them (the bare JNI transition). */
#include <jni.h>
JNIEXPORT jdouble JNICALL Java_FfiCost_empty(JNIEnv *env, jclass cls, jlong handle, jdoubleArray row,
                                             jint n, jint output) {
  (void)cls; (void)handle; (void)output;
  if (n <= 0) return 0;
  double *in = (double *)(*env)->GetPrimitiveArrayCritical(env, row, NULL);
  if (in == NULL) return 0;
  double first = in[0];
  (*env)->ReleasePrimitiveArrayCritical(env, row, in, JNI_ABORT);
  return first;
}

JNIEXPORT jdouble JNICALL Java_FfiCost_noop(JNIEnv *env, jclass cls, jlong handle, jdoubleArray row,
                                            jint n, jint output) {
  (void)env; (void)cls; (void)handle; (void)row; (void)n; (void)output;
  return 0;
}
