/*
 * polyscore.i: SWIG interface for Perl, Tcl and Ruby, generated from the public
 * headers include/polyscore/*.h plus the thin shim polyscore_swig.h.
 *
 *   swig -perl5 -I../../include polyscore.i      (module polyscore_swig)
 *   swig -tcl8 -namespace -I../../include polyscore.i
 *   swig -ruby -I../../include polyscore.i
 *
 * What the typemaps do:
 *  - (const double *values, size_t n_values): a Perl array ref / Tcl list / Ruby Array
 *    of numbers goes in as a C array and its length (undef / "" / nan / nil: missing).
 *  - (const double *base_margin, size_t base_margin_len): per-row margin offsets, an
 *    optional last argument of predict and predict_row; a Perl array ref / Tcl list /
 *    Ruby Array of numbers. Left out (or Perl undef / Ruby nil): no offsets (NULL).
 *  - ps_swig_doubles: results come back as a Perl array ref / Tcl list / Ruby Array.
 *  - ps_swig_bytes: a category's text, as a Perl string / Tcl string / Ruby String.
 *  - ps_model_info *: a Perl hash ref / Tcl dict / Ruby Hash.
 *  - ps_error * / ps_swig_error *: hidden from the script; a failure becomes a Perl
 *    die with a Polyscore::Error object (code, name, message) or a Tcl error with
 *    -errorcode {POLYSCORE PS_ERR_...}, message "PS_ERR_...: library message", or a
 *    Ruby Polyscore::Error (#code, #name).
 *  - The model is the struct ps_swig_model, exposed as class Model: new() loads, the
 *    destructor (Perl DESTROY, Tcl "rename $m {}", Ruby GC) frees; close() frees early; the
 *    handle is freed exactly once either way.
 */
%module polyscore_swig

%include <stdint.i>

%{
#include "polyscore_swig.h"
%}

/* The public headers use GCC attributes in PS_API; SWIG does not need them. */
#define __attribute__(x)

/* ---------------------------------------------------------------- errors */

#if defined(SWIGPERL)
%{
/* Sets $@ to a Polyscore::Error object; SWIG_croak_null() then dies with it. */
static void ps_swig_perl_set_error(pTHX_ ps_status code, const char *message) {
  HV *hv = newHV();
  SV *obj;
  hv_store(hv, "code", 4, newSViv(code), 0);
  hv_store(hv, "name", 4, newSVpv(ps_status_name(code), 0), 0);
  hv_store(hv, "message", 7, newSVpv(message, 0), 0);
  obj = sv_bless(newRV_noinc((SV *)hv), gv_stashpv("Polyscore::Error", GV_ADD));
  sv_setsv(get_sv("@", GV_ADD), obj);
  SvREFCNT_dec(obj);
}
%}
%define PS_RAISE(code, message)
  ps_swig_perl_set_error(aTHX_ code, message);
  SWIG_fail;
%enddef
#elif defined(SWIGTCL)
%define PS_RAISE(code, message)
  Tcl_SetObjResult(interp, Tcl_ObjPrintf("%s: %s", ps_status_name(code), message));
  Tcl_SetErrorCode(interp, "POLYSCORE", ps_status_name(code), (char *)NULL);
  SWIG_fail;
%enddef
#elif defined(SWIGRUBY)
%{
/* Raises a Polyscore::Error (defined in polyscore.rb) with @code, @name and the
 * message "PS_ERR_...: library message". Every buffer of the wrapper is either
 * Ruby-owned or already freed when this is called (rb_exc_raise does not return). */
static void ps_swig_ruby_raise(ps_status code, const char *message) {
  VALUE cls = rb_eRuntimeError, exc;
  if (rb_const_defined(rb_cObject, rb_intern("Polyscore"))) {
    VALUE mod = rb_const_get(rb_cObject, rb_intern("Polyscore"));
    if (rb_const_defined(mod, rb_intern("Error"))) cls = rb_const_get(mod, rb_intern("Error"));
  }
  exc = rb_exc_new_str(cls, rb_sprintf("%s: %s", ps_status_name(code), message));
  rb_iv_set(exc, "@code", INT2NUM(code));
  rb_iv_set(exc, "@name", rb_str_new_cstr(ps_status_name(code)));
  rb_iv_set(exc, "@library_message", rb_str_new_cstr(message));
  rb_exc_raise(exc);
}
%}
%define PS_RAISE(code, message)
  ps_swig_ruby_raise(code, message);
%enddef
#endif

/* The library's own error object, for the raw calls of the public header. It is created
 * in "check" (after every argument conversion, so a conversion error cannot leak it) and
 * freed in "argout", which runs on every path after the call (SWIG's Tcl module emits
 * no freearg for numinputs=0 arguments). */
%typemap(in, numinputs=0) ps_error *err { $1 = NULL; }
%typemap(check) ps_error *err {
  if (ps_error_create(&$1) != PS_OK) { PS_RAISE(PS_ERR_OUT_OF_MEMORY, "out of memory") }
}
%typemap(argout) ps_error *err {
  ps_status code_ = ps_error_code($1);
  char message_[1024];
  snprintf(message_, sizeof message_, "%s", ps_error_message($1));
  ps_error_free($1);
  $1 = NULL;
  if (code_ != PS_OK) { PS_RAISE(code_, message_) }
}
%typemap(freearg) ps_error *err { ps_error_free($1); }

/* The shim's error record (a local of the wrapper), the same way. */
%typemap(in, numinputs=0) ps_swig_error *e (ps_swig_error temp) {
  memset(&temp, 0, sizeof temp);
  $1 = &temp;
}
%typemap(check) ps_swig_error *e {
  if (ps_error_create(&$1->lib) != PS_OK) { PS_RAISE(PS_ERR_OUT_OF_MEMORY, "out of memory") }
}
%typemap(argout) ps_swig_error *e {
  ps_error_free($1->lib);
  $1->lib = NULL;
  if ($1->code != PS_OK) { PS_RAISE($1->code, $1->message) }
}
%typemap(freearg) ps_swig_error *e { if ($1) { ps_error_free($1->lib); $1->lib = NULL; } }

/* ---------------------------------------------------------------- arrays */

#if defined(SWIGPERL)
%typemap(in) (const double *values, size_t n_values) {
  AV *av;
  SSize_t i, n;
  if (!SvROK($input) || SvTYPE(SvRV($input)) != SVt_PVAV) {
    PS_RAISE(PS_ERR_INVALID_ARGUMENT, "rows must be an array reference of numbers")
  }
  av = (AV *)SvRV($input);
  n = av_len(av) + 1;
  $1 = (double *)malloc((n ? n : 1) * sizeof(double));
  $2 = (size_t)n;
  for (i = 0; i < n; ++i) {
    SV **el = av_fetch(av, i, 0);
    if (!el || !SvOK(*el)) {
      $1[i] = NAN;                         /* undef is a missing value */
    } else if (looks_like_number(*el)) {
      $1[i] = SvNV(*el);
    } else {
      char msg[200];
      snprintf(msg, sizeof msg, "element %ld is not a number: '%.80s'", (long)i, SvPV_nolen(*el));
      PS_RAISE(PS_ERR_INVALID_ARGUMENT, msg)
    }
  }
}
/* Offsets: undef is none; given, even empty, the pointer is not NULL (the library
 * then checks the length). */
%typemap(in) (const double *base_margin, size_t base_margin_len) {
  AV *av;
  SSize_t i, n;
  if (SvOK($input)) {
    if (!SvROK($input) || SvTYPE(SvRV($input)) != SVt_PVAV) {
      PS_RAISE(PS_ERR_INVALID_ARGUMENT, "base_margin must be an array reference of numbers")
    }
    av = (AV *)SvRV($input);
    n = av_len(av) + 1;
    $1 = (double *)malloc((n ? n : 1) * sizeof(double));
    $2 = (size_t)n;
    for (i = 0; i < n; ++i) {
      SV **el = av_fetch(av, i, 0);
      if (el && SvOK(*el) && looks_like_number(*el)) {
        $1[i] = SvNV(*el);
      } else {
        char msg[200];
        snprintf(msg, sizeof msg, "base_margin element %ld is not a number: '%.80s'", (long)i,
                 el && SvOK(*el) ? SvPV_nolen(*el) : "undef");
        PS_RAISE(PS_ERR_INVALID_ARGUMENT, msg)
      }
    }
  }
}
/* A category's text: a Perl byte string (UTF-8 bytes; decode with Encode if wanted). */
%typemap(out) ps_swig_bytes {
  $result = sv_2mortal(newSVpvn($1.data ? $1.data : "", $1.len));
  free($1.data);
  argvi++;
}
%typemap(out) ps_swig_doubles {
  AV *av = newAV();
  size_t i;
  if ($1.len) av_extend(av, (SSize_t)$1.len - 1);
  for (i = 0; i < $1.len; ++i) av_push(av, newSVnv($1.data[i]));
  free($1.data);
  $result = sv_2mortal(newRV_noinc((SV *)av));
  argvi++;
}
/* Model bytes: a Perl string. */
%typemap(in) (const char *data, size_t size) {
  STRLEN len;
  $1 = SvPV($input, len);
  $2 = (size_t)len;
}
/* A model description: a hash ref of its fields (the C copy is freed here). */
%typemap(out) ps_model_info * {
  if ($1) {
    HV *hv = newHV();
    hv_store(hv, "format", 6, newSViv($1->format), 0);
    hv_store(hv, "num_features", 12, newSVuv($1->num_features), 0);
    hv_store(hv, "num_outputs", 11, newSVuv($1->num_outputs), 0);
    hv_store(hv, "num_margins", 11, newSVuv($1->num_margins), 0);
    hv_store(hv, "num_trees", 9, newSVuv($1->num_trees), 0);
    hv_store(hv, "num_iterations", 14, newSVuv($1->num_iterations), 0);
    hv_store(hv, "objective", 9, newSVpv($1->objective, 0), 0);
    hv_store(hv, "booster", 7, newSVpv($1->booster, 0), 0);
    free($1);
    $result = sv_2mortal(newRV_noinc((SV *)hv));
  } else {
    $result = &PL_sv_undef;
  }
  argvi++;
}
#elif defined(SWIGTCL)
%typemap(in) (const double *values, size_t n_values) {
  Tcl_Obj **elems;
  int i, n;
  if (Tcl_ListObjGetElements(interp, $input, &n, &elems) != TCL_OK) SWIG_fail;
  $1 = (double *)malloc((n ? n : 1) * sizeof(double));
  $2 = (size_t)n;
  for (i = 0; i < n; ++i) {
    if (Tcl_GetDoubleFromObj(NULL, elems[i], &$1[i]) != TCL_OK) {
      const char *s = Tcl_GetString(elems[i]);
      if (*s == '\0' || strcmp(s, "nan") == 0 || strcmp(s, "NaN") == 0 || strcmp(s, "NAN") == 0) {
        $1[i] = NAN;                       /* "" or nan is a missing value */
      } else {
        char msg[200];
        snprintf(msg, sizeof msg, "element %d is not a number: \"%.80s\"", i, s);
        PS_RAISE(PS_ERR_INVALID_ARGUMENT, msg)
      }
    }
  }
}
/* Offsets: a list of numbers (given, even empty, the pointer is not NULL; the library
 * then checks the length). */
%typemap(in) (const double *base_margin, size_t base_margin_len) {
  Tcl_Obj **elems;
  int i, n;
  if (Tcl_ListObjGetElements(interp, $input, &n, &elems) != TCL_OK) SWIG_fail;
  $1 = (double *)malloc((n ? n : 1) * sizeof(double));
  $2 = (size_t)n;
  for (i = 0; i < n; ++i) {
    if (Tcl_GetDoubleFromObj(NULL, elems[i], &$1[i]) != TCL_OK) {
      char msg[200];
      snprintf(msg, sizeof msg, "base_margin element %d is not a number: \"%.80s\"", i,
               Tcl_GetString(elems[i]));
      PS_RAISE(PS_ERR_INVALID_ARGUMENT, msg)
    }
  }
}
/* A category's text: a Tcl string. */
%typemap(out) ps_swig_bytes {
  Tcl_SetObjResult(interp, Tcl_NewStringObj($1.data ? $1.data : "", (int)$1.len));
  free($1.data);
}
%typemap(out) ps_swig_doubles {
  Tcl_Obj *list = Tcl_NewListObj(0, NULL);
  size_t i;
  for (i = 0; i < $1.len; ++i) Tcl_ListObjAppendElement(NULL, list, Tcl_NewDoubleObj($1.data[i]));
  free($1.data);
  Tcl_SetObjResult(interp, list);
}
/* Model bytes: a Tcl byte array (read the file with fconfigure -translation binary). */
%typemap(in) (const char *data, size_t size) {
  int len;
  $1 = (char *)Tcl_GetByteArrayFromObj($input, &len);
  $2 = (size_t)len;
}
/* A model description: a dict of its fields (the C copy is freed here). */
%typemap(out) ps_model_info * {
  Tcl_Obj *d = Tcl_NewDictObj();
  if ($1) {
#define PS_SWIG_PUT(key, obj) Tcl_DictObjPut(NULL, d, Tcl_NewStringObj(key, -1), obj)
    PS_SWIG_PUT("format", Tcl_NewIntObj($1->format));
    PS_SWIG_PUT("num_features", Tcl_NewWideIntObj($1->num_features));
    PS_SWIG_PUT("num_outputs", Tcl_NewWideIntObj($1->num_outputs));
    PS_SWIG_PUT("num_margins", Tcl_NewWideIntObj($1->num_margins));
    PS_SWIG_PUT("num_trees", Tcl_NewWideIntObj($1->num_trees));
    PS_SWIG_PUT("num_iterations", Tcl_NewWideIntObj($1->num_iterations));
    PS_SWIG_PUT("objective", Tcl_NewStringObj($1->objective, -1));
    PS_SWIG_PUT("booster", Tcl_NewStringObj($1->booster, -1));
#undef PS_SWIG_PUT
    free($1);
  }
  Tcl_SetObjResult(interp, d);
}
#elif defined(SWIGRUBY)
/* Rows: an Array of numbers (nil is missing). The C array lives in a Ruby String, so a
 * raise anywhere in the wrapper cannot leak it. */
%typemap(in) (const double *values, size_t n_values) (VALUE keep = Qnil) {
  long i, n;
  double *xs;
  if (!RB_TYPE_P($input, T_ARRAY)) {
    PS_RAISE(PS_ERR_INVALID_ARGUMENT, "rows must be an Array of numbers")
  }
  n = RARRAY_LEN($input);
  keep = rb_str_new(NULL, (n ? n : 1) * (long)sizeof(double));
  xs = (double *)RSTRING_PTR(keep);
  for (i = 0; i < n; ++i) {
    VALUE el = rb_ary_entry($input, i);
    if (NIL_P(el)) {
      xs[i] = NAN;
    } else if (RB_FLOAT_TYPE_P(el) || RB_INTEGER_TYPE_P(el)) {
      xs[i] = NUM2DBL(el);
    } else {
      char msg[200];
      VALUE s = rb_inspect(el);
      snprintf(msg, sizeof msg, "element %ld is not a number: %.80s", i, StringValueCStr(s));
      PS_RAISE(PS_ERR_INVALID_ARGUMENT, msg)
    }
  }
  $1 = xs;
  $2 = (size_t)n;
}
%typemap(freearg) (const double *values, size_t n_values) { RB_GC_GUARD(keep$argnum); }
/* Offsets: an Array of numbers, nil for none (given, even empty, the pointer is not
 * NULL; the library then checks the length). Kept in a Ruby String, as the rows. */
%typemap(in) (const double *base_margin, size_t base_margin_len) (VALUE keep = Qnil) {
  long i, n;
  double *xs;
  if (!NIL_P($input)) {
    if (!RB_TYPE_P($input, T_ARRAY)) {
      PS_RAISE(PS_ERR_INVALID_ARGUMENT, "base_margin must be an Array of numbers")
    }
    n = RARRAY_LEN($input);
    keep = rb_str_new(NULL, (n ? n : 1) * (long)sizeof(double));
    xs = (double *)RSTRING_PTR(keep);
    for (i = 0; i < n; ++i) {
      VALUE el = rb_ary_entry($input, i);
      if (RB_FLOAT_TYPE_P(el) || RB_INTEGER_TYPE_P(el)) {
        xs[i] = NUM2DBL(el);
      } else {
        char msg[200];
        VALUE s = rb_inspect(el);
        snprintf(msg, sizeof msg, "base_margin element %ld is not a number: %.80s", i,
                 StringValueCStr(s));
        PS_RAISE(PS_ERR_INVALID_ARGUMENT, msg)
      }
    }
    $1 = xs;
    $2 = (size_t)n;
  }
}
%typemap(freearg) (const double *base_margin, size_t base_margin_len) { RB_GC_GUARD(keep$argnum); }
/* A category's text: a UTF-8 Ruby String. */
%typemap(out) ps_swig_bytes {
  $result = rb_utf8_str_new($1.data ? $1.data : "", (long)$1.len);
  free($1.data);
}
%typemap(out) ps_swig_doubles {
  size_t i;
  $result = rb_ary_new_capa((long)$1.len);
  for (i = 0; i < $1.len; ++i) rb_ary_push($result, DBL2NUM($1.data[i]));
  free($1.data);
}
%typemap(out) ps_model_info * {
  $result = Qnil;
  if ($1) {
    ps_model_info info_ = *$1;
    free($1);
    $result = rb_hash_new();
    rb_hash_aset($result, ID2SYM(rb_intern("format")), INT2NUM(info_.format));
    rb_hash_aset($result, ID2SYM(rb_intern("num_features")), UINT2NUM(info_.num_features));
    rb_hash_aset($result, ID2SYM(rb_intern("num_outputs")), UINT2NUM(info_.num_outputs));
    rb_hash_aset($result, ID2SYM(rb_intern("num_margins")), UINT2NUM(info_.num_margins));
    rb_hash_aset($result, ID2SYM(rb_intern("num_trees")), UINT2NUM(info_.num_trees));
    rb_hash_aset($result, ID2SYM(rb_intern("num_iterations")), UINT2NUM(info_.num_iterations));
    rb_hash_aset($result, ID2SYM(rb_intern("objective")), rb_str_new_cstr(info_.objective));
    rb_hash_aset($result, ID2SYM(rb_intern("booster")), rb_str_new_cstr(info_.booster));
  }
}
%typemap(in) (const char *data, size_t size) {
  StringValue($input);
  $1 = RSTRING_PTR($input);
  $2 = (size_t)RSTRING_LEN($input);
}
#endif
#if !defined(SWIGRUBY)
%typemap(freearg) (const double *values, size_t n_values) { free($1); }
%typemap(freearg) (const double *base_margin, size_t base_margin_len) { free($1); }
#endif
/* No offsets unless given (the argument is optional). */
%typemap(default) (const double *base_margin, size_t base_margin_len) {
  $1 = NULL;
  $2 = 0;
}

/* ---------------------------------------------------------------- the public header */

/* The raw model calls are reached through class Model below, which owns the handle:
 * exposing ps_model_free and friends directly would let a script free a handle twice. */
%ignore ps_model_load_file;
%ignore ps_model_load_buffer;
%ignore ps_model_free;
%ignore ps_model_info_get;
%ignore ps_model_feature_name;
/* ABI 5's training categories: through class Model below (category_list_count, ...);
 * the raw calls would take a bare ps_model *. */
%ignore ps_model_category_list_count;
%ignore ps_model_category_list;
%ignore ps_model_category;
/* ABI 6: through class Model below (feature_categorical). */
%ignore ps_model_feature_categorical;
%ignore ps_model_output_size;
%ignore ps_model_predict_dense;
%ignore ps_model_predict_csr;
%ignore ps_model_predict_row;
%ignore ps_error_create;
%ignore ps_error_free;
%ignore ps_error_code;
%ignore ps_error_message;
%ignore ps_error_offset;
%ignore ps_error_clear;
%ignore ps_load_options_init;
%ignore ps_predict_options_init;
%ignore ps_load_options;
%ignore ps_predict_options;

/* ps_model_info: read-only; Model.info returns it as a hash ref / dict. */
%immutable;
%include "polyscore/common.h"
%include "polyscore/model.h"
%include "polyscore/predict.h"
%mutable;

/* ---------------------------------------------------------------- the model class */

%rename(Model) ps_swig_model;
#if defined(SWIGRUBY)
%rename(ModelInfo) ps_model_info;
#endif
typedef struct ps_swig_model {} ps_swig_model;

%extend ps_swig_model {
  %newobject feature_name;
  /* Loads a model file; format is a PS_FORMAT_* value (PS_FORMAT_AUTO detects). */
  ps_swig_model(ps_swig_error *e, const char *path, int format) {
    return psw_load_file(e, path, format);
  }
  ~ps_swig_model() { psw_destroy($self); }

  /* Frees the library handle now; later calls fail with PS_ERR_INVALID_HANDLE.
   * Closing twice is harmless. */
  void close() { psw_close($self); }
  int closed() { return atomic_load(&$self->closed); }

  /* n_rows rows, row-major in one flat list; results row after row. shap_algorithm: a
   * PS_SHAP_* value (contrib and interactions output). base_margin (optional): n_rows *
   * num_margins offsets, row-major. */
  ps_swig_doubles predict(ps_swig_error *e, const double *values, size_t n_values,
                          long long n_rows, int output, long long iteration_begin,
                          long long iteration_end, int dtype, int num_threads,
                          int shap_algorithm, const double *base_margin, size_t base_margin_len) {
    return psw_predict(e, $self, values, n_values, n_rows, output, iteration_begin,
                                 iteration_end, dtype, num_threads, shap_algorithm, base_margin,
                                 base_margin_len);
  }
  ps_swig_doubles predict_row(ps_swig_error *e, const double *values, size_t n_values,
                              int output, long long iteration_begin, long long iteration_end,
                              int shap_algorithm, const double *base_margin,
                              size_t base_margin_len) {
    return psw_predict_row(e, $self, values, n_values, output, iteration_begin,
                                     iteration_end, shap_algorithm, base_margin, base_margin_len);
  }
  /* Counts and rounds are signed here and checked in polyscore_swig.h, so that a
   * negative one is a polyscore error, not SWIG's overflow message. */
  size_t output_size(ps_swig_error *e, long long n_rows, int output, long long iteration_begin,
                     long long iteration_end, int shap_algorithm) {
    return psw_output_size(e, $self, n_rows, output, iteration_begin, iteration_end,
                           shap_algorithm);
  }
  ps_model_info *info(ps_swig_error *e) { return psw_info(e, $self); }
  char *feature_name(ps_swig_error *e, long long index) {
    return psw_feature_name(e, $self, index);
  }
  /* 1 when some split tests feature `index` as a category (it takes category codes),
   * else 0; the language layers' categorical_features() asks for every feature. */
  int feature_categorical(ps_swig_error *e, long long index) {
    return psw_feature_categorical(e, $self, index);
  }
  /* The training categories the file saved (polyscore/model.h): the language layers'
   * categories() reads them all with these. */
  long long category_list_count(ps_swig_error *e) { return psw_category_list_count(e, $self); }
  int categories_saved(ps_swig_error *e) { return psw_categories_saved(e, $self); }
  long long category_list_feature(ps_swig_error *e, long long list) {
    return psw_category_list_feature(e, $self, list);
  }
  long long category_list_size(ps_swig_error *e, long long list) {
    return psw_category_list_size(e, $self, list);
  }
  ps_swig_bytes category(ps_swig_error *e, long long list, long long index) {
    return psw_category(e, $self, list, index);
  }
  int category_kind(ps_swig_error *e, long long list, long long index) {
    return psw_category_kind(e, $self, list, index);
  }
}

/* Loads a model from its bytes (the content of a model file). */
%newobject load_buffer;
%inline %{
ps_swig_model *load_buffer(ps_swig_error *e, const char *data, size_t size, int format) {
  return psw_load_buffer(e, data, size, format);
}
/* Fails with PS_ERR_ABI_VERSION, naming both versions, unless the loaded library
 * offers ABI version `required`. */
void require_abi(ps_swig_error *e, unsigned required) { psw_require_abi(e, required); }
%}

