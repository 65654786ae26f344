require_relative 'helper'

# #categorical_features (ABI 6): the features a model's splits test as categories, as
# tests/vectors/categorical_features.json has them (read straight from the model files by
# tests/gen/make_categorical_feature_vectors.py) for categorical models with and without
# training categories and numeric-only ones; a feature index out of range and a closed
# model are the library's errors.
class TestCategoricalFeatures < Minitest::Test
  CASES = JSON.parse(File.read(File.join(PSTest::VECTORS, 'categorical_features.json')))['cases']

  def test_the_features_the_splits_test_as_categories
    assert CASES.any? { |c| !c['categorical_features'].empty? }, 'models with categorical splits'
    assert CASES.any? { |c| c['categorical_features'].empty? }, 'numeric-only models'
    CASES.each do |c|
      m = Polyscore::Model.load(File.join(PSTest::VECTORS, c['model']))
      assert_equal c['categorical_features'], m.categorical_features, c['model']
      m.close
    end
  end

  def test_errors
    m = Polyscore::Model.load(File.join(PSTest::VECTORS, 'models', 'lgb4_categorical.txt'))
    n = m.info[:num_features]
    h = m.instance_variable_get(:@h)
    assert_equal 1, h.feature_categorical(1)
    assert_equal 0, h.feature_categorical(0)
    e = assert_raises(Polyscore::Error) { h.feature_categorical(n) }
    assert_equal 'PS_ERR_SHAPE', e.name
    assert_match(/feature index #{n} is out of range/, e.message)
    m.close
    e = assert_raises(Polyscore::Error) { m.categorical_features }
    assert_equal 'PS_ERR_INVALID_HANDLE', e.name
  end
end
