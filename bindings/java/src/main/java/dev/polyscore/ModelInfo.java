package dev.polyscore;

/**
 * What a model is ({@code ps_model_info}).
 *
 * @param format the format the model was loaded from
 * @param numFeatures columns a row must have
 * @param numOutputs values per row for {@link OutputKind#VALUE}
 * @param numMargins values per row for {@link OutputKind#MARGIN}
 * @param numTrees all trees; {@link OutputKind#LEAF} gives one value per tree used
 * @param numIterations boosting rounds
 * @param objective the objective as the training library names it
 * @param booster "gbtree", "dart", "gblinear", "gbdt", "rf", ...
 */
public record ModelInfo(ModelFormat format, int numFeatures, int numOutputs, int numMargins,
    int numTrees, int numIterations, String objective, String booster) {}
