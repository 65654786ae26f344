require_relative 'helper'

class TestAbi < Minitest::Test
  def test_library_is_new_enough
    assert_operator Polyscore.abi_version, :>=, Polyscore::REQUIRED_ABI
    assert_match(/\A\d+\.\d+\.\d+/, Polyscore.version)
    assert Polyscore.require_abi
  end

  def test_newer_abi_fails_naming_both_versions
    abi = Polyscore.abi_version
    e = assert_raises(Polyscore::Error) { Polyscore.require_abi(abi + 1) }
    assert_equal 'PS_ERR_ABI_VERSION', e.name
    assert_equal Polyscore_swig::PS_ERR_ABI_VERSION, e.code
    assert_match(/needs ABI version #{abi + 1}\b/, e.message)
    assert_match(/has ABI version #{abi}\b/, e.message)
  end

  def test_raw_header_functions
    e = assert_raises(Polyscore::Error) { Polyscore_swig.ps_abi_check(Polyscore.abi_version + 1) }
    assert_equal 'PS_ERR_ABI_VERSION', e.name
    assert_equal 'PS_ERR_SHAPE', Polyscore_swig.ps_status_name(Polyscore_swig::PS_ERR_SHAPE)
    assert_equal 6, Polyscore_swig::PS_ABI_VERSION
  end
end
