/* bench/ffi/java/empty_jni.c: libpsffi_jni.so, the empty JNI method of FfiCost. */
#include <jni.h>
JNIEXPORT jint JNICALL Java_FfiCost_empty(JNIEnv *env, jclass cls, jlong handle, jdoubleArray row,
                                          jdoubleArray out, jint output, jint begin, jint end) {
  (void)env; (void)cls; (void)handle; (void)row; (void)out; (void)output; (void)begin; (void)end;
  return 0;
}
