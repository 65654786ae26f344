package dev.polyscore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Model.featureCategorical / categoricalFeatures (ps_model_feature_categorical): the
 * features the model's splits test as categories, as tests/vectors/categorical_features.json
 * has them (read straight from the model files by
 * tests/gen/make_categorical_feature_vectors.py), on categorical models with and without the
 * training categories and numeric-only ones.
 */
class CategoricalFeaturesTest {
  private static final Path VECTORS = TestData.vectorsDir();

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> cases() throws Exception {
    Map<String, Object> file = (Map<String, Object>) new TestData.Json(
        Files.readString(VECTORS.resolve("categorical_features.json"))).parse();
    return (List<Map<String, Object>>) file.get("cases");
  }

  @Test
  void categoricalFeaturesAreTheFeaturesTheSplitsTestAsCategories() throws Exception {
    int withCategorical = 0, numericOnly = 0;
    for (Map<String, Object> c : cases()) {
      String rel = (String) c.get("model");
      List<Integer> expected = new ArrayList<>();
      for (Object j : (List<?>) c.get("categorical_features")) expected.add(((Number) j).intValue());
      if (expected.isEmpty()) {
        numericOnly++;
      } else {
        withCategorical++;
      }
      try (Model m = Model.load(VECTORS.resolve(rel))) {
        assertEquals(expected, m.categoricalFeatures(), rel);
        for (int i = 0; i < m.info().numFeatures(); i++) {
          assertEquals(expected.contains(i), m.featureCategorical(i), rel + " feature " + i);
        }
      }
    }
    assertTrue(withCategorical > 0 && numericOnly > 0,
        withCategorical + " models with categorical splits, " + numericOnly + " numeric-only: want both");
  }

  @Test
  void anIndexOutOfRangeOrAClosedModelIsTheLibrarysError() throws Exception {
    Model m = Model.load(VECTORS.resolve("models/lgb4_categorical.txt"));
    int n = m.info().numFeatures();
    assertTrue(m.featureCategorical(1));
    assertFalse(m.featureCategorical(0));
    PolyscoreException e = assertThrows(PolyscoreException.class, () -> m.featureCategorical(n));
    assertEquals(ErrorCode.SHAPE, e.code());
    assertTrue(e.getMessage().contains("feature index " + n + " is out of range"), e.getMessage());
    assertEquals(ErrorCode.SHAPE,
        assertThrows(PolyscoreException.class, () -> m.featureCategorical(-1)).code());
    m.close();
    assertEquals(ErrorCode.INVALID_HANDLE,
        assertThrows(PolyscoreException.class, () -> m.featureCategorical(0)).code());
    assertEquals(ErrorCode.INVALID_HANDLE,
        assertThrows(PolyscoreException.class, m::categoricalFeatures).code());
  }
}
