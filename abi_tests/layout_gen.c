/*
 * layout_gen.c: prints abi_tests/layout.json, the layout of the public C ABI as the
 * C compiler sees it: sizeof/alignof/offsetof and type of every field of every
 * public struct, the defaults of the PS_*_INIT macros, and the value of every
 * PS_* integer constant. Schema: abi_tests/README.md.
 *
 *   cc -std=c11 -I include abi_tests/layout_gen.c -o layout_gen && ./layout_gen
 *
 * Everything printed comes from the compiler, not from this file: the names listed
 * below are only looked up. The program refuses to print (exit 1) when the field
 * list of a struct does not cover the whole struct (a field was added to the header
 * but not here) or a field has a type it cannot name; abi_tests/test.sh also checks
 * that every PS_* constant of the headers is in the table.
 *
 * Only the stable headers: compile without PS_EXPERIMENTAL.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polyscore/polyscore.h"

#ifdef PS_EXPERIMENTAL
#error "layout_gen.c describes the stable ABI only: compile it without PS_EXPERIMENTAL"
#endif

/* The C type of an expression, as a name. Add a line when a new field type appears. */
#define TYPE_NAME(x)                   \
  _Generic((x),                        \
      char: "char",                    \
      size_t: "size_t",                \
      int32_t: "int32_t",              \
      uint32_t: "uint32_t",            \
      int64_t: "int64_t",              \
      double: "double",                \
      float: "float",                  \
      const double *: "const double *", \
      default: NULL)

static int failed = 0;
static int first_struct = 1;

/* The fields of the struct being described, printed in offset order by end_struct
 * (so that a field moved in the header shows as a change of the table). */
typedef struct {
  const char *name, *type;
  size_t offset, size, align, count;
  long long dflt;
} field_info;
static field_info fields[64];
static size_t n_fields;
static const char *cur_struct;
static size_t cur_size, cur_align;

static void begin_struct(const char *name, size_t size, size_t align) {
  printf("%s\n    \"%s\": {\"size\": %zu, \"align\": %zu, \"fields\": [", first_struct ? "" : ",",
         name, size, align);
  first_struct = 0;
  n_fields = 0;
  cur_struct = name;
  cur_size = size;
  cur_align = align;
}

static void field(const char *name, size_t offset, size_t size, size_t align,
                  const char *type, size_t count, long long dflt) {
  if (!type) {
    fprintf(stderr, "layout_gen: %s.%s has a type TYPE_NAME does not know; add it\n",
            cur_struct, name);
    failed = 1;
    type = "?";
  }
  field_info f = {name, type, offset, size, align, count, dflt};
  fields[n_fields++] = f;
}

static int by_offset(const void *a, const void *b) {
  const field_info *x = a, *y = b;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void end_struct(void) {
  qsort(fields, n_fields, sizeof fields[0], by_offset);
  size_t covered = 0; /* end of the previous field */
  for (size_t i = 0; i < n_fields; i++) {
    const field_info *f = &fields[i];
    /* Each field follows the previous one with at most alignment padding between
     * them: otherwise the header has a field this file does not list. */
    if (f->offset < covered || f->offset - covered >= f->align) {
      fprintf(stderr, "layout_gen: %s.%s at offset %zu, previous field ends at %zu: "
                      "a field of %s is missing from layout_gen.c\n",
              cur_struct, f->name, f->offset, covered, cur_struct);
      failed = 1;
    }
    covered = f->offset + f->size;
    char type_buf[64];
    const char *type = f->type;
    if (f->count > 0) {
      snprintf(type_buf, sizeof type_buf, "%s[%zu]", f->type, f->count);
      type = type_buf;
    }
    printf("%s\n      {\"name\": \"%s\", \"offset\": %zu, \"size\": %zu, \"type\": \"%s\", "
           "\"default\": %lld}",
           i == 0 ? "" : ",", f->name, f->offset, f->size, type, f->dflt);
  }
  if (cur_size - covered >= cur_align) {
    fprintf(stderr, "layout_gen: %s is %zu bytes but its listed fields end at %zu: "
                    "a field is missing from layout_gen.c\n",
            cur_struct, cur_size, covered);
    failed = 1;
  }
  printf("\n    ], \"tail_padding\": %zu}", cur_size - covered);
}

/* A scalar field; the default is its value in the PS_*_INIT macro. */
#define FIELD(S, init, f)                                                             \
  field(#f, offsetof(S, f), sizeof(((S *)0)->f), alignof(__typeof__(((S *)0)->f)), \
        TYPE_NAME(((S *)0)->f), 0, (long long)(init).f)
/* An array field (char name[64]); default 0. */
#define ARRAY_FIELD(S, f)                                                         \
  field(#f, offsetof(S, f), sizeof(((S *)0)->f),                                  \
        alignof(__typeof__(((S *)0)->f[0])), TYPE_NAME(((S *)0)->f[0]),           \
        sizeof(((S *)0)->f) / sizeof(((S *)0)->f[0]), 0)
#define STRUCT(S) begin_struct(#S, sizeof(S), alignof(S))

static int first_constant = 1;
static void constant(const char *name, long long value) {
  printf("%s\n    \"%s\": %lld", first_constant ? "" : ",", name, value);
  first_constant = 0;
}
#define CONSTANT(c) constant(#c, (long long)(c))

int main(void) {
  printf("{\n");
  printf("  \"schema\": 1,\n");
  printf("  \"generator\": \"abi_tests/layout_gen.c\",\n");
  printf("  \"abi_version\": %u,\n", (unsigned)PS_ABI_VERSION);
  printf("  \"platform\": {\"pointer_size\": %zu, \"size_t\": %zu, \"int\": %zu, \"long\": %zu, "
         "\"ps_status\": %zu},\n",
         sizeof(void *), sizeof(size_t), sizeof(int), sizeof(long), sizeof(ps_status));

  printf("  \"structs\": {");
  {
    const ps_load_options d = PS_LOAD_OPTIONS_INIT;
    STRUCT(ps_load_options);
    FIELD(ps_load_options, d, struct_size);
    FIELD(ps_load_options, d, format);
    FIELD(ps_load_options, d, reserved0);
    end_struct();
  }
  {
    const ps_predict_options d = PS_PREDICT_OPTIONS_INIT;
    STRUCT(ps_predict_options);
    FIELD(ps_predict_options, d, struct_size);
    FIELD(ps_predict_options, d, output);
    FIELD(ps_predict_options, d, iteration_begin);
    FIELD(ps_predict_options, d, iteration_end);
    FIELD(ps_predict_options, d, num_threads);
#if PS_ABI_VERSION >= 3
    FIELD(ps_predict_options, d, base_margin);
    FIELD(ps_predict_options, d, base_margin_len);
#endif
#if PS_ABI_VERSION >= 6
    FIELD(ps_predict_options, d, shap_algorithm);
    FIELD(ps_predict_options, d, reserved1);
#endif
    end_struct();
  }
  {
    const ps_model_info d = PS_MODEL_INFO_INIT;
    STRUCT(ps_model_info);
    FIELD(ps_model_info, d, struct_size);
    FIELD(ps_model_info, d, format);
    FIELD(ps_model_info, d, num_features);
    FIELD(ps_model_info, d, num_outputs);
    FIELD(ps_model_info, d, num_margins);
    FIELD(ps_model_info, d, num_trees);
    FIELD(ps_model_info, d, num_iterations);
    ARRAY_FIELD(ps_model_info, objective);
    ARRAY_FIELD(ps_model_info, booster);
    end_struct();
  }
  printf("\n  },\n");

  printf("  \"constants\": {");
  CONSTANT(PS_ABI_VERSION);
  CONSTANT(PS_OK);
  CONSTANT(PS_ERR_INVALID_ARGUMENT);
  CONSTANT(PS_ERR_INVALID_HANDLE);
  CONSTANT(PS_ERR_IO);
  CONSTANT(PS_ERR_PARSE);
  CONSTANT(PS_ERR_UNSUPPORTED);
  CONSTANT(PS_ERR_SHAPE);
  CONSTANT(PS_ERR_BUFFER_TOO_SMALL);
  CONSTANT(PS_ERR_OUT_OF_MEMORY);
  CONSTANT(PS_ERR_ABI_VERSION);
  CONSTANT(PS_ERR_INTERNAL);
  CONSTANT(PS_FORMAT_AUTO);
  CONSTANT(PS_FORMAT_XGBOOST_JSON);
  CONSTANT(PS_FORMAT_XGBOOST_UBJSON);
  CONSTANT(PS_FORMAT_LIGHTGBM_TEXT);
  CONSTANT(PS_OUTPUT_VALUE);
  CONSTANT(PS_OUTPUT_MARGIN);
  CONSTANT(PS_OUTPUT_LEAF);
#if PS_ABI_VERSION >= 2
  CONSTANT(PS_OUTPUT_CONTRIB);
#endif
#if PS_ABI_VERSION >= 4
  CONSTANT(PS_OUTPUT_INTERACTIONS);
#endif
#if PS_ABI_VERSION >= 5
  CONSTANT(PS_CATEGORY_STRING);
  CONSTANT(PS_CATEGORY_INTEGER);
  CONSTANT(PS_CATEGORY_REAL);
  CONSTANT(PS_CATEGORY_BOOLEAN);
  CONSTANT(PS_CATEGORY_FEATURE_UNKNOWN);
#endif
#if PS_ABI_VERSION >= 6
  CONSTANT(PS_SHAP_AUTO);
  CONSTANT(PS_SHAP_TREESHAP);
  CONSTANT(PS_SHAP_QUADRATURE);
#endif
  CONSTANT(PS_DTYPE_FLOAT32);
  CONSTANT(PS_DTYPE_FLOAT64);
  printf("\n  }\n}\n");

  if (failed) return 1;
  return fflush(stdout) == 0 ? 0 : 1;
}
