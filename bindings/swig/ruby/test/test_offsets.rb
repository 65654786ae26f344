require_relative 'helper'

# Per-row margin offsets (base_margin:) over tests/vectors/offsets: the same bits as the
# C library (the CLI with --base-margin), the training library's values (XGBoost's
# predict with base_margin, LightGBM's raw score + init_score), and other numbers
# without them; bad offsets raise Polyscore::Error.
class TestOffsets < Minitest::Test
  DIR = File.join(PSTest::VECTORS, 'offsets')
  CASES = JSON.parse(File.read(File.join(DIR, 'manifest.json')))['cases']

  # Index of the first value off the training library's (-1 if none): XGBoost's are
  # repeated to the bit; LightGBM's value is numpy's exp of the margin.
  def off_library(c, got, want)
    c['library'] == 'lightgbm' ? PSTest.close_enough(got, want, 4e-16) : PSTest.same_bits(got, want)
  end

  def test_manifest_has_cases
    refute_empty CASES
  end

  CASES.each do |c|
    define_method("test_#{c['name']}") do
      m = Polyscore::Model.load(File.join(DIR, c['model']))
      x, n = PSTest.read_csv(File.join(DIR, c['input']))
      bm, = PSTest.read_csv(File.join(DIR, c['base_margin']))
      k_bm = c['num_margins']
      assert_equal n * k_bm, bm.size
      nf = c['num_features']
      %w[value margin contrib interactions].each do |out|
        next unless c['outputs'].key?(out) # interactions: XGBoost tree models only
        want, = PSTest.read_csv(File.join(DIR, c['outputs'][out]['file']))
        got = m.predict(x, n, output: out, base_margin: bm)
        assert_equal(-1, PSTest.same_bits(got, PSTest.offsets_reference(c, out)), "#{out}: C library")
        assert_equal(-1, off_library(c, got, want), "#{out}: training library")
        per_row = bm.each_slice(k_bm).to_a
        assert_equal(-1, PSTest.same_bits(m.predict(x, n, output: out, base_margin: per_row), got),
                     "#{out}: offsets as one Array per row")
        assert_equal(-1, off_library(c, m.predict(x, n, output: out, dtype: :float32, base_margin: bm), want),
                     "#{out}: float32 rows")
        # Without the offsets the model's base score: other numbers, so the checks above
        # fail if the offsets are dropped.
        refute_equal(-1, PSTest.same_bits(m.predict(x, n, output: out), want), "#{out}: without offsets")
        k = got.size / n
        5.times do |r|
          one = m.predict_row(x[r * nf, nf], output: out, base_margin: per_row[r])
          assert_equal(-1, PSTest.same_bits(one, got[r * k, k]), "#{out}: predict_row row #{r}")
        end
      end
    ensure
      m&.close
    end
  end

  def assert_refused(pattern)
    e = assert_raises(Polyscore::Error) { yield }
    assert_equal 'PS_ERR_INVALID_ARGUMENT', e.name
    assert_match pattern, e.message
  end

  def test_bad_offsets
    c = CASES.find { |k| k['name'] == 'xgb3_offset_softprob' }
    x, n = PSTest.read_csv(File.join(DIR, c['input']))
    Polyscore::Model.open(File.join(DIR, c['model'])) do |m|
      assert_refused(/120/) { m.predict(x, n, base_margin: [0.0] * 40) }
      assert_refused(/120/) { m.predict(x, n, base_margin: []) } # empty is not "none"
      assert_refused(/no rows/) { m.predict([], 0, base_margin: [0, 0, 0]) }
      assert_refused(/LEAF/) { m.predict(x, n, output: :leaf, base_margin: [0.0] * 120) }
      assert_refused(/base_margin must be an Array/) { m.predict(x, n, base_margin: '0.5') }
      assert_refused(/base_margin element 1 is not a number: "abc"/) do
        m.predict_row(x[0, 5], base_margin: [0, 'abc', 0])
      end
      assert_refused(/base_margin/) { m.predict_row(x[0, 5], base_margin: [0.0]) }
      assert_equal [], m.predict([], 0, base_margin: [])
    end
  end
end
