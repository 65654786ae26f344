# Shared set-up of the Ruby tests: paths, CSV reading, the C library's reference output
# (CLI, or ps_ref for iteration ranges and float32), bitwise comparison.
require 'minitest/autorun'
require 'json'
require 'open3'
require 'polyscore'

module PSTest
  ROOT = File.expand_path('../../../..', __dir__)
  VECTORS = File.join(ROOT, 'tests', 'vectors')
  BUILD_DIR = ENV['POLYSCORE_BUILD_DIR'] || File.join(ROOT, 'build')
  SWIG_BUILD = ENV['POLYSCORE_SWIG_BUILD'] || File.join(ROOT, 'bindings', 'swig', 'build')
  FRAUD = File.join(ROOT, 'examples', 'fraud', 'fraud-v3.json')

  def self.num(s)
    s = s.strip
    return Float::NAN if s.empty? || s.casecmp?('nan')
    return s.start_with?('-') ? -Float::INFINITY : Float::INFINITY if s.delete('+-').casecmp?('inf')
    Float(s)
  end

  # [flat values, row count] of a header-less CSV.
  def self.read_csv(path)
    lines = File.readlines(path, chomp: true).reject(&:empty?)
    [lines.flat_map { |l| l.split(',', -1).map { |f| num(f) } }, lines.size]
  end

  def self.c_reference(c, output)
    model = File.join(VECTORS, c['model'])
    input = File.join(VECTORS, c['input'])
    cmd = if c['dtype'] == 'float64' && c['iteration_begin'].zero? && c['iteration_end'].zero?
            [File.join(BUILD_DIR, 'polyscore'), 'predict', model, '--input', input, '--output', output]
          else
            [File.join(SWIG_BUILD, 'ps_ref'), model, input, output, c['iteration_begin'].to_s,
             c['iteration_end'].to_s, c['dtype']]
          end
    run(cmd)
  end

  # The C library's answer for a case of tests/vectors/offsets (the CLI with --base-margin).
  def self.offsets_reference(c, output)
    dir = File.join(VECTORS, 'offsets')
    run([File.join(BUILD_DIR, 'polyscore'), 'predict', File.join(dir, c['model']), '--input',
         File.join(dir, c['input']), '--output', output, '--base-margin',
         File.join(dir, c['base_margin'])])
  end

  # The values a command prints, comma-separated, as a flat Array.
  def self.run(cmd)
    out, status = Open3.capture2(*cmd)
    raise "#{cmd.join(' ')} failed" unless status.success?
    out.split("\n").reject(&:empty?).flat_map { |l| l.split(',', -1).map { |f| num(f) } }
  end

  # Index of the first value whose bits differ (NaN equals NaN), -1 if none.
  def self.same_bits(got, want)
    return -2 if got.size != want.size
    got.each_index do |i|
      next if got[i].nan? && want[i].nan?
      return i if [got[i]].pack('E') != [want[i]].pack('E')
    end
    -1
  end

  def self.close_enough(got, want, rel)
    return -2 if got.size != want.size
    got.each_index do |i|
      g, w = got[i], want[i]
      if w.nan?
        return i unless g.nan?
      elsif g != w && (g - w).abs > rel * [g.abs, w.abs].max
        return i
      end
    end
    -1
  end

  def self.rss_kb
    File.read('/proc/self/statm').split[1].to_i * 4
  end
end
