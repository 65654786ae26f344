require_relative 'helper'

# The conventions every binding shares with C (docs/bindings.md): threads 0 is all
# cores, an empty batch gives an empty result, info after close is PS_ERR_INVALID_HANDLE,
# a negative count is a polyscore error, and the names are the header's (the CLI's).
class TestConventions < Minitest::Test
  FRAUD = File.join(PSTest::ROOT, 'examples', 'fraud', 'fraud-v3.json')
  ROWS = [0.4, 1.2, 0.0, 0.5].freeze

  def setup
    @m = Polyscore::Model.load(FRAUD)
  end

  def teardown
    @m.close
  end

  def assert_ps_error(name, pattern = nil, &block)
    e = assert_raises(Polyscore::Error, &block)
    assert_equal name, e.name
    assert_match pattern, e.message if pattern
  end

  def test_threads_zero_is_all_cores
    assert_equal @m.predict(ROWS, 2), @m.predict(ROWS, 2, threads: 0)
    assert_ps_error('PS_ERR_INVALID_ARGUMENT', /num_threads/) { @m.predict(ROWS, 2, threads: -1) }
  end

  def test_empty_batch_gives_empty_result
    assert_equal [], @m.predict([], 0)
    assert_equal [], @m.predict([])
    assert_equal [], @m.predict([], output: :leaf)
  end

  def test_negative_counts_are_polyscore_errors
    assert_ps_error('PS_ERR_INVALID_ARGUMENT', /n_rows must be between 0 and \d+, not -2/) { @m.predict(ROWS, -2) }
    assert_ps_error('PS_ERR_INVALID_ARGUMENT', /iteration_end .* not -1/) { @m.predict_row([0.4, 1.2], iteration_end: -1) }
  end

  def test_input_that_is_not_a_number_is_an_error
    assert_ps_error('PS_ERR_INVALID_ARGUMENT') { @m.predict([0.4, 'N/A'], 1) }
    assert_ps_error('PS_ERR_INVALID_ARGUMENT') { @m.predict_row([true, 1.2]) }
    assert_equal @m.predict([0.4, Float::NAN], 1), @m.predict([0.4, nil], 1)
  end

  def test_info_after_close
    m = Polyscore::Model.load(FRAUD)
    m.close
    assert_ps_error('PS_ERR_INVALID_HANDLE') { m.info }
  end

  def test_names_are_the_headers
    assert_equal %w[auto xgboost-json xgboost-ubjson lightgbm-text], Polyscore::FORMATS.keys
    Polyscore::Model.load(FRAUD, format: 'xgboost-json').close
    Polyscore::Model.load(FRAUD, format: :xgboost_json).close
    assert_ps_error('PS_ERR_INVALID_ARGUMENT', /lightgbm-text/) { Polyscore::Model.load(FRAUD, format: :lightgbm) }
  end
end
