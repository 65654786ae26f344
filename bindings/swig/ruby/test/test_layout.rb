# The binding's view of the C ABI equals abi_tests/layout.json, which
# abi_tests/layout_gen.c generates from the C header (schema: abi_tests/README.md):
# every PS_* constant of the SWIG module (Polyscore_swig::PS_*) has the table's value
# and none is missing; Polyscore_swig.ps_swig_layout (polyscore_swig.h) reports every
# struct's size/align/tail padding/field list and each field's offset, size, C type and
# PS_*_INIT default exactly as the table has them; Model#info has exactly the fields of
# ps_model_info (but struct_size). $POLYSCORE_LAYOUT_JSON names another table.
require_relative 'helper'

class TestLayout < Minitest::Test
  PATH = ENV.fetch('POLYSCORE_LAYOUT_JSON', '').empty? ?
    File.join(PSTest::ROOT, 'abi_tests', 'layout.json') : ENV['POLYSCORE_LAYOUT_JSON']
  TABLE = JSON.parse(File.read(PATH))
  SECTIONS = %w[schema generator abi_version platform structs constants].freeze

  # The table as "key=value" pairs, in the shim's spelling.
  def self.flatten(t)
    m = {}
    t['platform'].each { |k, v| m["platform.#{k}"] = v.to_s }
    t['structs'].each do |st, s|
      s.each { |k, v| m["struct.#{st}.#{k}"] = v.to_s unless k == 'fields' }
      m["struct.#{st}.fields"] = s['fields'].map { |f| f['name'] }.join(',')
      s['fields'].each do |f|
        f.each { |k, v| m["field.#{st}.#{f['name']}.#{k}"] = v.to_s unless k == 'name' }
      end
    end
    m
  end

  def differences(want, got)
    out = want.keys.sort.filter_map do |k|
      if !got.key?(k) then "missing from the binding: #{k}=#{want[k]}"
      elsif got[k].to_s != want[k].to_s then "#{k}: binding #{got[k]}, table #{want[k]}"
      end
    end
    out + (got.keys - want.keys).sort.map { |k| "not in the table: #{k}=#{got[k]}" }
  end

  def test_table_is_schema_one_with_known_sections
    assert_equal 1, TABLE['schema']
    assert_empty TABLE.keys - SECTIONS, 'sections this test does not know'
    assert_equal TABLE['constants']['PS_ABI_VERSION'], TABLE['abi_version']
  end

  def test_structs_and_platform_match_the_shim
    got = {}
    Polyscore_swig.ps_swig_layout.each_line(chomp: true) do |line|
      next if line.empty?
      k, v = line.split('=', 2)
      refute_nil v, "shim line without '=': #{line}"
      refute got.key?(k), "shim reports #{k} twice"
      got[k] = v
    end
    diff = differences(self.class.flatten(TABLE), got)
    assert_empty diff, "shim vs #{PATH}:\n  #{diff.join("\n  ")}"
  end

  def test_constants_match_the_table
    got = Polyscore_swig.constants.grep(/\APS_/).to_h { |c| [c.to_s, Polyscore_swig.const_get(c)] }
    refute_empty got
    diff = differences(TABLE['constants'], got)
    assert_empty diff, "module vs #{PATH}:\n  #{diff.join("\n  ")}"
    assert_operator Polyscore::REQUIRED_ABI, :<=, TABLE['constants'].fetch('PS_ABI_VERSION', 0)
  end

  def test_model_info_has_every_field
    fields = TABLE.dig('structs', 'ps_model_info', 'fields').to_a.map { |f| f['name'] } - ['struct_size']
    Polyscore::Model.open(PSTest::FRAUD) do |m|
      assert_equal fields.sort, m.info.keys.map(&:to_s).sort
    end
  end
end
