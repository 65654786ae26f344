# Ruby face of the SWIG binding (extension polyscore_swig, generated from polyscore.i).
#
#   require 'polyscore'
#   Polyscore::Model.open('fraud-v3.json') do |m|
#     m.predict([0.4, 1.2, 0.0, 0.5], 2)            # => [0.855..., 0.296...]
#     m.predict_row([0.4, 1.2], output: :margin)
#   end
module Polyscore
  # Every failure: #code (the ps_status number), #name ("PS_ERR_SHAPE") and the message
  # "PS_ERR_SHAPE: library message".
  class Error < StandardError
    attr_reader :code, :name, :library_message
  end
end

require 'polyscore_swig'
require_relative 'polyscore/constants' # FORMATS, OUTPUTS, DTYPES, ... from the C header

module Polyscore
  S = Polyscore_swig
  # The ABI version of the C library this binding was written for.
  REQUIRED_ABI = ABI_VERSION

  def self.abi_version = S.ps_abi_version
  def self.version = S.ps_version_string

  # Raises Polyscore::Error (PS_ERR_ABI_VERSION, naming both versions) unless the loaded
  # library offers ABI version +required+.
  def self.require_abi(required = REQUIRED_ABI)
    S.require_abi(required)
    true
  end

  def self.pick(table, what, value)
    # :xgboost_json and 'xgboost-json' both name the header's "xgboost-json"
    table.fetch(value.to_s.tr('_', '-')) do
      err = Error.new("PS_ERR_INVALID_ARGUMENT: unknown #{what} #{value.inspect} " \
                      "(one of: #{table.keys.join(', ')})")
      err.instance_variable_set(:@code, S::PS_ERR_INVALID_ARGUMENT)
      err.instance_variable_set(:@name, 'PS_ERR_INVALID_ARGUMENT')
      raise err
    end
  end

  # A loaded model. The C handle is freed exactly once: by #close, or by the garbage
  # collector if it was never closed. Calls after #close raise PS_ERR_INVALID_HANDLE.
  class Model
    def self.load(path, format: :auto)
      new(S::Model.new(path.to_s, Polyscore.pick(FORMATS, 'format', format)))
    end

    def self.load_buffer(bytes, format: :auto)
      new(S.load_buffer(bytes, Polyscore.pick(FORMATS, 'format', format)))
    end

    # Loads, yields, closes.
    def self.open(path, **opts)
      m = load(path, **opts)
      return m unless block_given?
      begin
        yield m
      ensure
        m.close
      end
    end

    def initialize(handle)
      @h = handle
    end

    # rows: a flat row-major Array of n_rows * num_features numbers (nil is missing), or
    # an Array of rows (n_rows may then be omitted). Returns a flat Array, row after row.
    # base_margin: per-row margin offsets (XGBoost's base_margin, LightGBM's init_score),
    # n_rows * num_margins numbers, flat or an Array per row; they take the place of the
    # base score. nil (default): none.
    def predict(rows, n_rows = nil, output: :value,
                iteration_begin: PREDICT_DEFAULTS['iteration_begin'],
                iteration_end: PREDICT_DEFAULTS['iteration_end'], dtype: :float64,
                threads: PREDICT_DEFAULTS['num_threads'], base_margin: nil)
      n_rows ||= 0 if rows.empty?
      if rows.first.is_a?(Array)
        n_rows ||= rows.size
        rows = rows.flatten
      end
      base_margin = base_margin.flatten(1) if base_margin.is_a?(Array) && base_margin.first.is_a?(Array)
      @h.predict(rows, n_rows, Polyscore.pick(OUTPUTS, 'output', output), iteration_begin,
                 iteration_end, Polyscore.pick(DTYPES, 'dtype', dtype), threads, base_margin)
    end

    # base_margin: the row's offsets, an Array of num_margins numbers (nil: none).
    def predict_row(row, output: :value, iteration_begin: 0, iteration_end: 0, base_margin: nil)
      @h.predict_row(row, Polyscore.pick(OUTPUTS, 'output', output), iteration_begin,
                     iteration_end, base_margin)
    end

    def output_size(n_rows, output: :value, iteration_begin: 0, iteration_end: 0)
      @h.output_size(n_rows, Polyscore.pick(OUTPUTS, 'output', output), iteration_begin,
                     iteration_end)
    end

    def info = @h.info
    def feature_names = (0...info[:num_features]).map { |i| @h.feature_name(i) }
    def close = @h.close
    def closed? = @h.closed != 0
  end

  require_abi
end
