package dev.polyscore;

/** Model file formats ({@code PS_FORMAT_*}). */
public enum ModelFormat {
  /** Detect from the content (loading only). */
  AUTO(0),
  /** XGBoost {@code Booster.save_model("m.json")}. */
  XGBOOST_JSON(1),
  /** XGBoost {@code Booster.save_model("m.ubj")}. */
  XGBOOST_UBJSON(2),
  /** LightGBM {@code Booster.save_model("m.txt")}. */
  LIGHTGBM_TEXT(3);

  final int code;

  ModelFormat(int code) {
    this.code = code;
  }

  static ModelFormat of(int code) {
    for (ModelFormat f : values()) {
      if (f.code == code) return f;
    }
    return AUTO;
  }
}
