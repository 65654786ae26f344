require_relative 'helper'

# Each handle freed exactly once (close, GC, both); memory flat over many cycles;
# threads share one model (Ruby threads run under the GVL: this checks correctness,
# not parallel speed).
class TestLifetime < Minitest::Test
  def test_close_then_gc_and_close_twice
    3.times do
      m = Polyscore::Model.load(PSTest::FRAUD)
      m.close
      m.close
    end
    a = Polyscore::Model.load(PSTest::FRAUD)
    a.close
    b = Polyscore::Model.load(PSTest::FRAUD)
    a = nil
    GC.start(full_mark: true, immediate_sweep: true)
    assert_equal 1, b.predict_row([0.4, 1.2]).size, 'a newer model survives the GC of a closed one'
    b.close
  end

  def cycle(rows)
    m = Polyscore::Model.load(PSTest::FRAUD)
    raise 'bad' unless m.predict(rows, 100).size == 100
    m.predict_row([0.4, 1.2])
    m.info
    m.feature_names
    m.close
  end

  def failing_cycle
    Polyscore::Model.load('/nonexistent.json') rescue nil
    m = Polyscore::Model.load(PSTest::FRAUD)
    m.predict([1, 2, 3], 1) rescue nil
    m.predict([1, 'x'], 1) rescue nil
    m.close
    m.predict_row([0.4, 1.2]) rescue nil
  end

  def test_no_leak
    rows = [0.4, 1.2, 0.0, 0.5] * 50
    300.times { cycle(rows); failing_cycle }
    GC.start
    before = PSTest.rss_kb
    1000.times { cycle(rows); failing_cycle }
    GC.start
    growth = PSTest.rss_kb - before
    assert_operator growth, :<, 1024, "RSS grew #{growth} KiB over 1000 cycles"
    puts "\nRuby RSS growth over 1000 cycles: #{growth} KiB"
  end

  def test_threads
    m = Polyscore::Model.load(PSTest::FRAUD)
    x = (0...200).flat_map { |i| [(i % 7) / 3.0 - 1, (i % 5) / 2.0] }
    want = m.predict(x, 200).pack('E*')
    bad = 4.times.map do
      Thread.new { 100.times.count { m.predict(x, 200).pack('E*') != want } }
    end.sum(&:value)
    assert_equal 0, bad
    racers = 3.times.map do
      Thread.new do
        loop { m.predict(x, 200) }
      rescue Polyscore::Error => e
        e.name
      end
    end
    sleep 0.05
    m.close
    assert_equal ['PS_ERR_INVALID_HANDLE'] * 3, racers.map(&:value)
  end

  def test_example
    out, status = Open3.capture2(RbConfig.ruby, '-I', $LOAD_PATH.grep(/swig/).join(':'),
                                 File.join(PSTest::ROOT, 'bindings', 'swig', 'examples', 'fraud.rb'))
    assert status.success?
    got = out.split.map(&:to_f)
    want = File.readlines(File.join(PSTest::ROOT, 'examples', 'fraud', 'expected.csv'))
               .drop(1).map { |l| l.split(',').last.to_f }
    assert_equal(-1, PSTest.close_enough(got, want, 1e-12))
  end
end
