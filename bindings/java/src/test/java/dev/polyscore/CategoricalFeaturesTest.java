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
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Model.featureCategorical / categoricalFeatures (ps_model_feature_categorical): the
 * features the model's splits test as categories, checked against the split types read
 * straight from the model files (XGBoost JSON split_type 1 at split_indices; LightGBM
 * decision_type bit 0 at split_feature), as tests/core/test_feature_categorical.cc does.
 */
class CategoricalFeaturesTest {
  private static final Path VECTORS = TestData.vectorsDir();

  /** Categorical models with and without the training categories, and numeric-only ones. */
  private static final String[] MODELS = {
    "models/xgb34_categorical_partition.json", // features 1 and 3; XGBoost 3.4 on arrays: no lists
    "models/xgb3_categorical_multi_softprob.json", // feature 0; XGBoost 3.2 on arrays: no lists
    "models/xgb1_categorical_onehot.json", // XGBoost 1.7: no category lists at all
    "models/lgb4_categorical.txt", // LightGBM on arrays: pandas_categorical:null
    "models/lgb3_categorical_binary.txt", // feature 0
    "frames/xgb34_frame_binary.json", // with its training categories
    "frames/lgb4_frame_binary.txt", // with pandas_categorical lists
    "models/xgb34_binary_logistic.json", // numeric only
    "models/lgb4_binary.txt", // numeric only
  };

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object o, String key) {
    return (Map<String, Object>) ((Map<String, Object>) o).get(key);
  }

  @SuppressWarnings("unchecked")
  private static List<Object> array(Map<String, Object> o, String key) {
    return (List<Object>) o.get(key);
  }

  private static long number(List<Object> a, int i) {
    return ((Number) a.get(i)).longValue();
  }

  private static List<Integer> xgboostCategoricalSplits(String text) {
    // Bare NaN / Infinity (XGBoost's non-finite values) become 0: only split types are read.
    Object model = new TestData.Json(text.replaceAll("([\\[,:])-?(?:Infinity|NaN)", "$1" + "0")).parse();
    Map<String, Object> booster = object(object(model, "learner"), "gradient_booster");
    if ("dart".equals(booster.get("name"))) booster = object(booster, "gbtree");
    TreeSet<Integer> out = new TreeSet<>();
    for (Object t : array(object(booster, "model"), "trees")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> tree = (Map<String, Object>) t;
      List<Object> left = array(tree, "left_children");
      for (int i = 0; i < left.size(); i++) {
        if (number(left, i) != -1 && number(array(tree, "split_type"), i) == 1) {
          out.add((int) number(array(tree, "split_indices"), i));
        }
      }
    }
    return new ArrayList<>(out);
  }

  private static List<Integer> lightgbmCategoricalSplits(String text) {
    TreeSet<Integer> out = new TreeSet<>();
    String[] features = {};
    for (String line : text.split("\n")) {
      if (line.startsWith("split_feature=")) {
        features = line.substring("split_feature=".length()).trim().split("\\s+");
      } else if (line.startsWith("decision_type=")) {
        String[] types = line.substring("decision_type=".length()).trim().split("\\s+");
        assertEquals(features.length, types.length);
        for (int i = 0; i < types.length; i++) {
          if ((Integer.parseInt(types[i]) & 1) != 0) out.add(Integer.parseInt(features[i]));
        }
      }
    }
    return new ArrayList<>(out);
  }

  @Test
  void categoricalFeaturesAreTheFeaturesTheSplitsTestAsCategories() throws Exception {
    int withCategorical = 0;
    for (String rel : MODELS) {
      String text = Files.readString(VECTORS.resolve(rel));
      List<Integer> expected =
          rel.endsWith(".json") ? xgboostCategoricalSplits(text) : lightgbmCategoricalSplits(text);
      if (!expected.isEmpty()) withCategorical++;
      try (Model m = Model.load(VECTORS.resolve(rel))) {
        assertEquals(expected, m.categoricalFeatures(), rel);
        for (int i = 0; i < m.info().numFeatures(); i++) {
          assertEquals(expected.contains(i), m.featureCategorical(i), rel + " feature " + i);
        }
      }
    }
    assertEquals(7, withCategorical);
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
