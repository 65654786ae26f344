require_relative 'helper'

# #categorical_features (ABI 6): the features a model's splits test as categories, equal
# to the split types read straight from the model files (tools/categorical_tsv.py) for
# categorical models with and without training categories and numeric-only ones; a
# feature index out of range and a closed model are the library's errors.
class TestCategoricalFeatures < Minitest::Test
  def expectations
    tsv = File.join(PSTest::SWIG_BUILD, 'categorical.tsv')
    assert system('python3', File.join(PSTest::ROOT, 'bindings', 'swig', 'tools', 'categorical_tsv.py'),
                  PSTest::VECTORS, tsv)
    File.readlines(tsv, chomp: true).map do |line|
      model, splits = line.split("\t", -1)
      [model, splits.split(' ').map { |s| Integer(s) }]
    end
  end

  def test_the_features_the_splits_test_as_categories
    cases = expectations
    assert_equal 7, cases.count { |_, expected| !expected.empty? }
    cases.each do |model, expected|
      m = Polyscore::Model.load(File.join(PSTest::VECTORS, model))
      assert_equal expected, m.categorical_features, model
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
