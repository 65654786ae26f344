package dev.polyscore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Model.categories(): the training categories of the frame models (tests/vectors/frames,
 * trained on DataFrames by the real libraries), read through the C ABI.
 */
class CategoriesTest {
  private static final Path FRAMES = TestData.vectorsDir().resolve("frames");

  private static List<Object> values(CategoryList l) {
    List<Object> out = new ArrayList<>();
    for (CategoryList.Category c : l.values()) out.add(c.value());
    return out;
  }

  @Test
  void categoriesAreWhatTheFileSaved() throws Exception {
    List<Object> merchants = List.of("grocery", "travel", "games", "fuel", "pharmacy", "jewelry", "cash", "hotel");
    List<Object> countries = List.of("FR", "DE", "US", "BR", "JP");
    List<Object> channels = List.of(1L, 2L, 4L, 8L);
    String[] files = {"lgb4_frame_binary.txt", "xgb3_frame_binary.json", "xgb3_frame_binary.ubj"};
    int[][] features = {{-1, -1, -1}, {1, 3, 4}, {1, 3, 4}};
    for (int f = 0; f < files.length; f++) {
      Model m = Model.load(Files.readAllBytes(FRAMES.resolve(files[f])));
      List<CategoryList> lists = m.categories();
      assertEquals(3, lists.size(), files[f]);
      assertEquals(merchants, values(lists.get(0)), files[f]);
      assertEquals(countries, values(lists.get(1)), files[f]);
      assertEquals(channels, values(lists.get(2)), files[f]);
      assertEquals(CategoryKind.INTEGER, lists.get(2).values().get(0).kind());
      for (int j = 0; j < 3; j++) assertEquals(features[f][j], lists.get(j).feature(), files[f]);
      m.close();
      PolyscoreException e = assertThrows(PolyscoreException.class, m::categories);
      assertEquals(ErrorCode.INVALID_HANDLE, e.code());
    }
    try (Model m = Model.load(FRAMES.resolve("xgb1_frame_binary.json"))) {
      assertEquals(List.of(), m.categories());
    }
  }

  /** Whether the file saved lists at all, even none: LightGBM's [] is saved, null is not. */
  @Test
  void categoriesSavedTellsAnEmptySetOfListsFromNone() throws Exception {
    String lgb = new String(Files.readAllBytes(FRAMES.resolve("lgb4_frame_binary.txt")), StandardCharsets.ISO_8859_1);
    String head = lgb.substring(0, lgb.lastIndexOf("pandas_categorical:"));
    Object[][] cases = {
      {"lgb4 frame (3 lists)", lgb, true},
      {"pandas_categorical:[]", head + "pandas_categorical:[]\n", true},
      {"pandas_categorical:null", head + "pandas_categorical:null\n", false},
    };
    for (Object[] c : cases) {
      Model m = Model.load(((String) c[1]).getBytes(StandardCharsets.ISO_8859_1));
      assertEquals(c[2], m.categoriesSaved(), (String) c[0]);
      m.close();
      PolyscoreException e = assertThrows(PolyscoreException.class, m::categoriesSaved);
      assertEquals(ErrorCode.INVALID_HANDLE, e.code());
    }
    try (Model m = Model.load(FRAMES.resolve("xgb3_frame_binary.json"))) {
      assertEquals(true, m.categoriesSaved());
    }
    try (Model m = Model.load(TestData.vectorsDir().resolve("models").resolve("xgb3_categorical_partition.json"))) {
      assertEquals(List.of(), m.categories());
      assertEquals(true, m.categoriesSaved());
    }
    try (Model m = Model.load(FRAMES.resolve("xgb1_frame_binary.json"))) {
      assertEquals(false, m.categoriesSaved());
    }
  }
}
