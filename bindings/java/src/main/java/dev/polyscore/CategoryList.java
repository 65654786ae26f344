package dev.polyscore;

import java.math.BigInteger;
import java.util.List;

/**
 * The categories of one categorical column of the training data, as the model file saved
 * them ({@link Model#categories()}): the code of a value is its index in {@code values}.
 *
 * @param feature the feature index the list codes (XGBoost 3.1+), or -1 when the file does
 *     not say (LightGBM's pandas_categorical: list i is the i-th categorical column of the
 *     training DataFrame)
 * @param values the categories in training order
 */
public record CategoryList(int feature, List<Category> values) {
  /** {@code PS_CATEGORY_FEATURE_UNKNOWN}: the file does not say which feature a list codes. */
  public static final int UNKNOWN_FEATURE = -1;

  /** One training category: its kind and its text ({@code ps_model_category}). */
  public record Category(CategoryKind kind, String text) {
    /** The text as a Java value: String, Long (BigInteger beyond long), Double or Boolean. */
    public Object value() {
      switch (kind) {
        case INTEGER:
          BigInteger b = new BigInteger(text);
          return b.bitLength() < 64 ? (Object) b.longValue() : b;
        case REAL:
          return Double.parseDouble(text);
        case BOOLEAN:
          return Boolean.parseBoolean(text);
        default:
          return text;
      }
    }
  }
}
