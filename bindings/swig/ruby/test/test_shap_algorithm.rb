require_relative 'helper'

# The shap_algorithm: option (ps_predict_options.shap_algorithm, ABI 6), bit for bit
# against the training libraries' vectors: xgb34_* files were explained by XGBoost 3.4.1
# (QuadratureTreeSHAP), xgb3_* files by XGBoost 3.2.0 (exact TreeSHAP), so each case gives
# its vector under its own algorithm and not under the other; under the other it gives the
# cross vector of tests/vectors/shap_algorithms (XGBoost 3.2.0 explaining the 3.4.1 file,
# XGBoost 3.4.1 explaining the 3.2.0 file).
class TestShapAlgorithm < Minitest::Test
  CASES = JSON.parse(File.read(File.join(PSTest::VECTORS, 'manifest.json')))['cases']
              .to_h { |c| [c['name'], c] }
  CROSS_DIR = File.join(PSTest::VECTORS, 'shap_algorithms')
  CROSS = JSON.parse(File.read(File.join(CROSS_DIR, 'manifest.json')))['cases'].to_h { |c| [c['name'], c] }

  # The other XGBoost's output for a case under an algorithm (its own bits).
  def cross_vector(name, algorithm, output)
    PSTest.read_csv(File.join(CROSS_DIR, CROSS.fetch("#{name}.#{algorithm}")[output]['file'])).first
  end

  def with_case(name)
    c = CASES.fetch(name)
    m = Polyscore::Model.load(File.join(PSTest::VECTORS, c['model']))
    x, n = PSTest.read_csv(File.join(PSTest::VECTORS, c['input']))
    yield c, m, x, n
  ensure
    m&.close
  end

  def vector(spec) = PSTest.read_csv(File.join(PSTest::VECTORS, spec['file'])).first

  def test_quadrature_gives_xgboost_34_bits_and_treeshap_does_not
    with_case('xgb34_binary_logistic') do |c, m, x, n|
      want = vector(c['outputs']['contrib'])
      assert_equal(-1, PSTest.same_bits(m.predict(x, n, output: :contrib), want))
      assert_equal(-1, PSTest.same_bits(m.predict(x, n, output: :contrib, shap_algorithm: :quadrature), want))
      exact = m.predict(x, n, output: :contrib, shap_algorithm: 'treeshap')
      refute_equal(-1, PSTest.same_bits(exact, want), 'treeshap gave XGBoost 3.4.1\'s bits')
      assert_equal(-1, PSTest.same_bits(exact, cross_vector(c['name'], 'treeshap', 'contrib')),
                   'treeshap differs from XGBoost 3.2.0\'s bits for the 3.4.1 file')
      spec = c['interactions']
      ni = spec['shape'][0]
      xi = x.first(ni * c['num_features'])
      assert_equal(-1, PSTest.same_bits(m.predict(xi, ni, output: :interactions, shap_algorithm: :quadrature),
                                        vector(spec)))
      refute_equal(-1, PSTest.same_bits(m.predict(xi, ni, output: :interactions, shap_algorithm: :treeshap),
                                        vector(spec)))
    end
  end

  def test_treeshap_gives_xgboost_32_bits_and_quadrature_does_not
    with_case('xgb3_binary_logistic') do |c, m, x, n|
      want = vector(c['outputs']['contrib'])
      assert_equal(-1, PSTest.same_bits(m.predict(x, n, output: :contrib), want))
      assert_equal(-1, PSTest.same_bits(m.predict(x, n, output: :contrib, shap_algorithm: :treeshap), want))
      quad = m.predict(x, n, output: :contrib, shap_algorithm: :quadrature)
      refute_equal(-1, PSTest.same_bits(quad, want), 'quadrature gave XGBoost 3.2.0\'s bits')
      assert_equal(-1, PSTest.same_bits(quad, cross_vector(c['name'], 'quadrature', 'contrib')),
                   'quadrature differs from XGBoost 3.4.1\'s bits for the 3.2.0 file')
      k = c['num_features'] + 1
      row = m.predict_row(x.first(c['num_features']), output: :contrib, shap_algorithm: :quadrature)
      assert_equal(-1, PSTest.same_bits(row, quad.first(k)))
      assert_equal(2 * k, m.output_size(2, output: :contrib, shap_algorithm: :treeshap))
    end
  end

  def test_an_unknown_name_is_refused_naming_it_and_the_names
    with_case('xgb34_binary_logistic') do |c, m, x, n|
      ['exact', :QUADRATURE, 2].each do |bad|
        e = assert_raises(Polyscore::Error) { m.predict(x, n, output: :contrib, shap_algorithm: bad) }
        assert_equal 'PS_ERR_INVALID_ARGUMENT', e.name
        assert_includes e.message, "shap_algorithm #{bad.inspect}"
        assert_includes e.message, 'auto, treeshap, quadrature'
        assert_raises(Polyscore::Error) do
          m.predict_row(x.first(c['num_features']), output: :contrib, shap_algorithm: bad)
        end
      end
    end
  end

  def test_quadrature_on_lightgbm_is_unsupported
    with_case('lgb4_binary') do |_c, m, x, n|
      e = assert_raises(Polyscore::Error) { m.predict(x, n, output: :contrib, shap_algorithm: :quadrature) }
      assert_equal 'PS_ERR_UNSUPPORTED', e.name
      assert_match(/quadrature/i, e.message)
      assert_equal(-1, PSTest.same_bits(m.predict(x, n, output: :contrib, shap_algorithm: :treeshap),
                                        m.predict(x, n, output: :contrib)))
    end
  end
end
