require_relative 'helper'

# Every case of tests/vectors/manifest.json, every output kind: bit-equal to the C library
# and within the C tests' tolerance of the training library's expected values.
class TestConformance < Minitest::Test
  CASES = JSON.parse(File.read(File.join(PSTest::VECTORS, 'manifest.json')))['cases']

  def test_manifest_covers_everything
    kinds = CASES.flat_map { |c| c['outputs'].keys }.uniq.sort
    assert_equal %w[contrib leaf margin value], kinds
    assert_equal %w[float32 float64], CASES.map { |c| c['dtype'] }.uniq.sort
    assert CASES.any? { |c| c['iteration_end'].positive? }
  end

  CASES.each do |c|
    define_method("test_#{c['name']}") do
      m = Polyscore::Model.load(File.join(PSTest::VECTORS, c['model']))
      assert_equal c['num_features'], m.info[:num_features]
      x, n = PSTest.read_csv(File.join(PSTest::VECTORS, c['input']))
      f32 = c['dtype'] == 'float32'
      c['outputs'].each do |out, spec|
        opts = { output: out, iteration_begin: c['iteration_begin'],
                 iteration_end: c['iteration_end'], dtype: c['dtype'] }
        got = m.predict(x, n, **opts)
        assert_equal(-1, PSTest.same_bits(got, PSTest.c_reference(c, out)), "#{out}: C library")
        want, = PSTest.read_csv(File.join(PSTest::VECTORS, spec['file']))
        assert_equal(-1, PSTest.close_enough(got, want, f32 ? 1e-5 : 1e-6), "#{out}: expected")
        next if f32
        k = got.size / n
        nf = c['num_features']
        [n, 5].min.times do |r|
          one = m.predict_row(x[r * nf, nf], **opts.except(:dtype))
          assert_equal(-1, PSTest.same_bits(one, got[r * k, k]), "#{out}: predict_row row #{r}")
        end
      end
    ensure
      m&.close
    end
  end
end
