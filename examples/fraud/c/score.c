/* Scores one transaction with the bundled fraud model, using only the public C API.
 *
 *   cc score.c -I../../../include -L../../../build -lpolyscore -o score
 *   ./score ../fraud-v3.json 0.4 1.2
 */
#include <stdio.h>
#include <stdlib.h>

#include <polyscore/polyscore.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "examples/fraud/fraud-v3.json";
  double features[2] = {0.4, 1.2};
  if (argc > 3) {
    features[0] = strtod(argv[2], NULL);
    features[1] = strtod(argv[3], NULL);
  }

  ps_error *err = NULL;
  ps_model *model = NULL;
  if (ps_error_create(&err) != PS_OK) return 1;
  if (ps_abi_check(PS_ABI_VERSION, err) != PS_OK ||
      ps_model_load_file(&model, path, NULL, err) != PS_OK) {
    fprintf(stderr, "polyscore: %s\n", ps_error_message(err));
    ps_error_free(err);
    return 1;
  }

  double score = 0.0;
  ps_status status = ps_model_predict_row(&score, 1, model, features, 2, NULL, err);
  if (status == PS_OK) {
    printf("score=%.17g label=%s\n", score, score >= 0.5 ? "fraud" : "legit");
  } else {
    fprintf(stderr, "polyscore: %s: %s\n", ps_status_name(status), ps_error_message(err));
  }
  ps_model_free(model);
  ps_error_free(err);
  return status == PS_OK ? 0 : 1;
}
