# Ruby face of the SWIG binding (extension polyscore_swig, generated from polyscore.i).
#
#   require 'polyscore'
#   Polyscore::Model.open('fraud-v3.json') do |m|
#     m.predict([0.4, 1.2, 0.0, 0.5], 2)            # => [0.855..., 0.296...]
#     m.predict_row([0.4, 1.2], output: :margin)
#     m.predict([{ velocity: 1.2, amount_zscore: 0.4 }]) # by feature name
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

  # A PS_ERR_INVALID_ARGUMENT error of the binding itself.
  def self.invalid_argument(message)
    err = Error.new("PS_ERR_INVALID_ARGUMENT: #{message}")
    err.instance_variable_set(:@code, S::PS_ERR_INVALID_ARGUMENT)
    err.instance_variable_set(:@name, 'PS_ERR_INVALID_ARGUMENT')
    err.instance_variable_set(:@library_message, message)
    err
  end

  def self.pick(table, what, value)
    # :xgboost_json and 'xgboost-json' both name the header's "xgboost-json"
    table.fetch(value.to_s.tr('_', '-')) do
      raise invalid_argument("unknown #{what} #{value.inspect} (one of: #{table.keys.join(', ')})")
    end
  end

  # The first names quoted, and how many more there are.
  def self.quote_some(names, most = 20)
    shown = names.first(most).map(&:inspect).join(', ')
    names.size > most ? "#{shown} and #{names.size - most} more" : shown
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

    # rows: a flat row-major Array of n_rows * num_features numbers (nil is missing), an
    # Array of rows (n_rows may then be omitted), or an Array of Hashes by feature name
    # ({ amount_zscore: 0.4, velocity: 1.2 }, String or Symbol keys: every feature of
    # #feature_names and nothing else, in any order). Returns a flat Array, row after row.
    # base_margin: per-row margin offsets (XGBoost's base_margin, LightGBM's init_score),
    # n_rows * num_margins numbers, flat or an Array per row; they take the place of the
    # base score. nil (default): none.
    # shap_algorithm: which SHAP algorithm explains a tree model for contrib and
    # interactions output: :auto (default: as the library that wrote the file, XGBoost
    # 3.3+ files by QuadratureTreeSHAP, older ones and LightGBM by exact TreeSHAP),
    # :treeshap (XGBoost <= 3.2's, LightGBM's and shap's bits), :quadrature (XGBoost
    # 3.3+'s, for every file it loads; XGBoost models only). Strings work too.
    def predict(rows, n_rows = nil, output: :value,
                iteration_begin: PREDICT_DEFAULTS['iteration_begin'],
                iteration_end: PREDICT_DEFAULTS['iteration_end'], dtype: :float64,
                threads: PREDICT_DEFAULTS['num_threads'], base_margin: nil, shap_algorithm: :auto)
      n_rows ||= 0 if rows.empty?
      if rows.first.is_a?(Hash)
        n_rows ||= rows.size
        rows = named_rows(rows) { |r| "row #{r}" }
      elsif rows.first.is_a?(Array)
        n_rows ||= rows.size
        rows = rows.flatten
      end
      base_margin = base_margin.flatten(1) if base_margin.is_a?(Array) && base_margin.first.is_a?(Array)
      @h.predict(rows, n_rows, Polyscore.pick(OUTPUTS, 'output', output), iteration_begin,
                 iteration_end, Polyscore.pick(DTYPES, 'dtype', dtype), threads,
                 Polyscore.pick(SHAP_ALGORITHMS, 'shap_algorithm', shap_algorithm), base_margin)
    end

    # row: an Array in the model's feature order, or a Hash by feature name (as in
    # #predict). base_margin: the row's offsets, an Array of num_margins numbers (nil: none).
    # shap_algorithm: as for #predict.
    def predict_row(row, output: :value, iteration_begin: 0, iteration_end: 0, base_margin: nil,
                    shap_algorithm: :auto)
      row = named_rows([row]) { 'the row' } if row.is_a?(Hash)
      @h.predict_row(row, Polyscore.pick(OUTPUTS, 'output', output), iteration_begin,
                     iteration_end, Polyscore.pick(SHAP_ALGORITHMS, 'shap_algorithm', shap_algorithm),
                     base_margin)
    end

    def output_size(n_rows, output: :value, iteration_begin: 0, iteration_end: 0, shap_algorithm: :auto)
      @h.output_size(n_rows, Polyscore.pick(OUTPUTS, 'output', output), iteration_begin,
                     iteration_end, Polyscore.pick(SHAP_ALGORITHMS, 'shap_algorithm', shap_algorithm))
    end

    def info = @h.info
    def feature_names = (0...info[:num_features]).map { |i| @h.feature_name(i) }

    # The training categories the model file saved (ABI 5; polyscore/model.h): an Array
    # of lists, each a Hash {feature: index (nil for LightGBM's lists, which name no
    # feature), values: [texts, in code order], kinds: [PS_CATEGORY_* kinds]}. A text is
    # the value as the file wrote it (digits for an integer category). Empty when the
    # file saved none; #categories_saved? tells "none" from "an empty set".
    def categories
      (0...@h.category_list_count).map do |l|
        feature = @h.category_list_feature(l)
        n = @h.category_list_size(l)
        { feature: feature.negative? ? nil : feature,
          values: (0...n).map { |i| @h.category(l, i) },
          kinds: (0...n).map { |i| @h.category_kind(l, i) } }
      end
    end

    def categories_saved? = @h.categories_saved != 0

    # The indices of the features some split of the model tests as a category (ABI 6,
    # ps_model_feature_categorical), ascending; empty for numeric splits only. Such a
    # feature takes category codes, whether or not the file saved its categories: XGBoost
    # before 3.1 and LightGBM trained on arrays save none, and then a row must carry the
    # codes the training data had.
    def categorical_features = (0...info[:num_features]).select { |i| @h.feature_categorical(i) != 0 }
    def close = @h.close
    def closed? = @h.closed != 0

    private

    # ---- rows given by feature name. The rules are the other bindings' (Go
    # PredictNamed, Node predict([{...}]), the Python DataFrame path): names match exactly
    # as the model file stores them, a feature absent from a row and a name the model does
    # not have are errors naming them (a typo never scores silently), and a model whose
    # file names no features cannot be given rows by name.

    # [names, { name => column }], read once per model.
    def feature_columns
      @feature_columns ||= begin
        names = feature_names # raises PS_ERR_INVALID_HANDLE after close
        column = {}
        names.each_with_index do |name, i|
          if name.empty?
            raise Polyscore.invalid_argument("the model file names no feature #{i}, so rows cannot be given " \
                                             "by feature name: pass Arrays in the model's feature order")
          end
          if column.key?(name)
            raise Polyscore.invalid_argument("the model names features #{column[name]} and #{i} both " \
                                             "#{name.inspect}, so rows cannot be given by feature name: " \
                                             "pass Arrays in the model's feature order")
          end
          column[name] = i
        end
        [names, column]
      end
    end

    # Hashes of feature values as a flat Array in the model's feature order; the block
    # names row r in messages.
    def named_rows(rows)
      names, column = feature_columns
      rows.each_with_index.flat_map do |row, r|
        unless row.is_a?(Hash)
          raise Polyscore.invalid_argument("#{yield r} is not a Hash of feature values ({ name => value }): " \
                                           "#{row.class}")
        end
        by_name = {}
        twice = []
        row.each do |key, value|
          name = key.to_s # { amount: 1 } and { 'amount' => 1 } name the same feature
          twice << name if by_name.key?(name)
          by_name[name] = value
        end
        unknown = by_name.keys.reject { |name| column.key?(name) }.sort
        missing = names.reject { |name| by_name.key?(name) }
        unless unknown.empty? && missing.empty? && twice.empty?
          parts = []
          parts << "unknown feature#{'s' if unknown.size > 1} #{Polyscore.quote_some(unknown)}" unless unknown.empty?
          parts << "given twice (as a String and a Symbol): #{Polyscore.quote_some(twice)}" unless twice.empty?
          unless missing.empty?
            parts << "missing feature#{'s' if missing.size > 1} #{Polyscore.quote_some(missing)} " \
                     '(use nil for a missing value)'
          end
          raise Polyscore.invalid_argument("#{yield r} does not match the model's features " \
                                           "(#{Polyscore.quote_some(names)}): #{parts.join('; ')}")
        end
        names.map { |name| by_name[name] }
      end
    end
  end

  require_abi
end
