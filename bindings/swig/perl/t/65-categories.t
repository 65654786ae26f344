# The training categories a model file saved (ABI 5), through ->categories: XGBoost 3.2's
# lists name their feature, LightGBM's name none (undef); texts in code order with their
# kinds; a model that saved none has no lists and ->categories_saved 0.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use PSTest qw($VECTORS);
use Polyscore;

my @merchants = qw(grocery travel games fuel pharmacy jewelry cash hotel);
my @countries = qw(FR DE US BR JP);

my $xgb = Polyscore::Model->load("$VECTORS/frames/xgb3_frame_binary.json");
my $lists = $xgb->categories;
is(scalar @$lists, 3, 'three lists');
is_deeply([ map { $_->{feature} } @$lists ], [1, 3, 4], 'each names its feature');
is_deeply($lists->[0]{values}, \@merchants, 'merchant categories in code order');
is_deeply($lists->[1]{values}, \@countries, 'country categories');
is_deeply($lists->[2]{values}, [qw(1 2 4 8)], 'integer categories as their digits');
is_deeply($lists->[0]{kinds}, [ (1) x 8 ], 'strings are PS_CATEGORY_STRING (1)');
is_deeply($lists->[2]{kinds}, [ (2) x 4 ], 'integers are PS_CATEGORY_INTEGER (2)');
is($xgb->categories_saved, 1, 'saved');

my $lgb = Polyscore::Model->load("$VECTORS/frames/lgb4_frame_binary.txt");
is_deeply([ map { $_->{feature} } @{ $lgb->categories } ], [undef, undef, undef], "LightGBM's lists name no feature");
is_deeply($lgb->categories->[1]{values}, \@countries, "LightGBM's country list");

my $none = Polyscore::Model->load("$VECTORS/frames/lgb4_frame_null.txt");
is_deeply($none->categories, [], 'trained on arrays: no lists');
is($none->categories_saved, 0, 'and none saved');
is(Polyscore::Model->load("$VECTORS/frames/lgb4_frame_empty.txt")->categories_saved, 1, '[] is saved, empty');

$xgb->close;
eval { $xgb->categories };
like($@ && $@->name, qr/PS_ERR_INVALID_HANDLE/, 'after close: PS_ERR_INVALID_HANDLE');
done_testing;
