# What the SWIG module exposes of the C ABI equals abi_tests/layout.json, the one table
# abi_tests/layout_gen.c prints from the C header (schema: abi_tests/README.md): every
# PS_* constant of the SWIG module (Polyscore_swig::PS_*) has the table's value and none
# is missing; Model#info has exactly the fields of ps_model_info (but struct_size). The
# C structs are not compared: the wrapper is C compiled against the header, so the
# binding has no copy of them. $POLYSCORE_LAYOUT_JSON names another table.
require_relative 'helper'

class TestLayout < Minitest::Test
  PATH = ENV.fetch('POLYSCORE_LAYOUT_JSON', '').empty? ?
    File.join(PSTest::ROOT, 'abi_tests', 'layout.json') : ENV['POLYSCORE_LAYOUT_JSON']
  TABLE = JSON.parse(File.read(PATH))
  SECTIONS = %w[schema generator abi_version platform structs constants].freeze

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
