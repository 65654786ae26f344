require_relative 'helper'

# Rows given by feature name (Hashes) score as the same rows in the model's order; a
# missing or unknown name raises PS_ERR_INVALID_ARGUMENT naming it.
class TestNamed < Minitest::Test
  ROWS = [[0.4, 1.2], [-1.0, nil], [2.5, -0.3]].freeze

  def setup
    @m = Polyscore::Model.load(PSTest::FRAUD)
  end

  def teardown
    @m.close
  end

  def assert_invalid(pattern, &block)
    e = assert_raises(Polyscore::Error, &block)
    assert_equal 'PS_ERR_INVALID_ARGUMENT', e.name
    assert_match pattern, e.message
  end

  def test_hashes_score_as_arrays_in_model_order
    assert_equal %w[amount_zscore velocity], @m.feature_names
    named = ROWS.map { |a, v| { velocity: v, amount_zscore: a } }
    assert_equal @m.predict(ROWS, output: :margin), @m.predict(named, output: :margin)
    strings = ROWS.map { |a, v| { 'velocity' => v, 'amount_zscore' => a } }
    assert_equal @m.predict(ROWS), @m.predict(strings)
    assert_equal @m.predict_row([0.4, 1.2]), @m.predict_row({ velocity: 1.2, amount_zscore: 0.4 })
    refute_equal @m.predict_row([0.4, 1.2]), @m.predict_row({ velocity: 0.4, amount_zscore: 1.2 })
  end

  def test_lightgbm_model_by_name
    Polyscore::Model.open(File.join(PSTest::VECTORS, 'models', 'lgb4_binary.txt')) do |lgb|
      names = lgb.feature_names
      x = [[0.5, -1.25, 3, 0, 7.5], [nil, 2, -0.5, 1, 0]]
      named = x.map { |row| names.each_index.reverse_each.to_h { |j| [names[j], row[j]] } }
      assert_equal lgb.predict(x), lgb.predict(named)
    end
  end

  def test_mismatches_are_named
    assert_invalid(/row 1 does not match the model's features \("amount_zscore", "velocity"\): missing feature "velocity"/) do
      @m.predict([{ amount_zscore: 0.4, velocity: 1 }, { amount_zscore: 0.4 }])
    end
    assert_invalid(/row 0 .*: unknown feature "speed"\z/) { @m.predict([{ amount_zscore: 0.4, velocity: 1, speed: 2 }]) }
    assert_invalid(/the row .*unknown feature "amount"; missing feature "amount_zscore"/) do
      @m.predict_row({ amount: 0.4, velocity: 1 })
    end
    assert_invalid(/given twice .*"velocity"/) { @m.predict([{ amount_zscore: 0.4, velocity: 1, 'velocity' => 2 }]) }
    assert_invalid(/row 1 is not a Hash of feature values/) { @m.predict([{ amount_zscore: 0.4, velocity: 1 }, [0.4, 1]]) }
    Polyscore::Model.open(File.join(PSTest::VECTORS, 'models', 'xgb3_binary_logistic.json')) do |unnamed|
      assert_invalid(/the model file names no feature 0/) { unnamed.predict([{ f0: 1 }]) }
    end
  end
end
