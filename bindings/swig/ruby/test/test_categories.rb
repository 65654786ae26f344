require_relative 'helper'

# The training categories a model file saved (ABI 5), through #categories: XGBoost 3.2's
# lists name their feature, LightGBM's name none (nil); texts in code order with their
# kinds; a model that saved none has no lists.
class TestCategories < Minitest::Test
  FRAMES = File.join(PSTest::VECTORS, 'frames')
  MERCHANTS = %w[grocery travel games fuel pharmacy jewelry cash hotel].freeze
  COUNTRIES = %w[FR DE US BR JP].freeze

  def test_xgboost_lists_name_their_feature
    m = Polyscore::Model.load(File.join(FRAMES, 'xgb3_frame_binary.json'))
    lists = m.categories
    assert_equal [1, 3, 4], lists.map { |l| l[:feature] }
    assert_equal MERCHANTS, lists[0][:values]
    assert_equal COUNTRIES, lists[1][:values]
    assert_equal %w[1 2 4 8], lists[2][:values]
    assert_equal [1] * 8, lists[0][:kinds]
    assert_equal [2] * 4, lists[2][:kinds]
    assert_equal Encoding::UTF_8, lists[0][:values][0].encoding
    assert m.categories_saved?
    m.close
    e = assert_raises(Polyscore::Error) { m.categories }
    assert_equal 'PS_ERR_INVALID_HANDLE', e.name
  end

  def test_lightgbm_lists_name_no_feature
    m = Polyscore::Model.load(File.join(FRAMES, 'lgb4_frame_binary.txt'))
    assert_equal [nil, nil, nil], m.categories.map { |l| l[:feature] }
    assert_equal COUNTRIES, m.categories[1][:values]
    none = Polyscore::Model.load(File.join(FRAMES, 'lgb4_frame_null.txt'))
    assert_equal [], none.categories
    refute none.categories_saved?
    assert Polyscore::Model.load(File.join(FRAMES, 'lgb4_frame_empty.txt')).categories_saved?
  end
end
