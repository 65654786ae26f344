require_relative 'helper'
require 'tmpdir'

# Bad input raises Polyscore::Error carrying the library's status and message.
class TestErrors < Minitest::Test
  def assert_ps_error(name, pattern = nil, &block)
    e = assert_raises(Polyscore::Error, &block)
    assert_equal name, e.name
    assert_equal Polyscore_swig.const_get(name), e.code
    assert e.message.start_with?("#{name}: "), e.message
    assert_match pattern, e.message if pattern
    e
  end

  def test_missing_file
    assert_ps_error('PS_ERR_IO', %r{/nonexistent/model\.json}) { Polyscore::Model.load('/nonexistent/model.json') }
  end

  def test_truncated_models
    Dir.mktmpdir do |dir|
      %w[xgb3_binary_logistic.json lgb4_binary.txt xgb3_binary_logistic.ubj].each do |name|
        bytes = File.binread(File.join(PSTest::VECTORS, 'models', name))
        cut = File.join(dir, name)
        File.binwrite(cut, bytes[0, bytes.size / 2])
        assert_ps_error('PS_ERR_PARSE') { Polyscore::Model.load(cut) }
        assert_ps_error('PS_ERR_PARSE') { Polyscore::Model.load_buffer(bytes[0, 40]) }
        m = Polyscore::Model.load_buffer(bytes)
        assert_operator m.info[:num_trees], :>, 0
        m.close
      end
    end
  end

  def test_bad_input
    Polyscore::Model.open(PSTest::FRAUD) do |m|
      assert_ps_error('PS_ERR_SHAPE', /3 features.*expects 2/) { m.predict([1, 2, 3], 1) }
      assert_ps_error('PS_ERR_SHAPE', /3 values/) { m.predict([1, 2, 3], 2) }
      assert_ps_error('PS_ERR_SHAPE') { m.predict_row([1, 2, 3]) }
      assert_ps_error('PS_ERR_INVALID_ARGUMENT', /"abc"/) { m.predict([1, 'abc'], 1) }
      assert_ps_error('PS_ERR_INVALID_ARGUMENT', /Array/) { m.predict_row('1,2') }
      assert_ps_error('PS_ERR_INVALID_ARGUMENT', /unknown output/) { m.predict([1, 2], 1, output: :proba) }
      assert_ps_error('PS_ERR_INVALID_ARGUMENT') { m.predict([1, 2], 1, iteration_begin: 5, iteration_end: 2) }
      assert_equal [], m.predict([], 0)
      assert_equal 2, m.predict([nil, Float::NAN, 0.4, 1.2], 2).size
    end
  end

  def test_use_after_close
    m = Polyscore::Model.load(PSTest::FRAUD)
    m.close
    assert m.closed?
    assert_ps_error('PS_ERR_INVALID_HANDLE') { m.predict([0.4, 1.2], 1) }
    assert_ps_error('PS_ERR_INVALID_HANDLE') { m.predict_row([0.4, 1.2]) }
    assert_ps_error('PS_ERR_INVALID_HANDLE') { m.info }
  end
end
