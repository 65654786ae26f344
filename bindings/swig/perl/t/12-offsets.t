# Per-row margin offsets (the base_margin option) over tests/vectors/offsets: the same
# bits as the C library (the CLI with --base-margin), the training library's values
# (XGBoost's predict with base_margin, LightGBM's raw score + init_score), and other
# numbers without them; bad offsets die with a Polyscore::Error.
use strict;
use warnings;
use Test::More;
use FindBin;
use JSON::PP ();
use lib "$FindBin::Bin/lib";
use PSTest qw($VECTORS read_csv flat offsets_reference same_bits close_enough);
use Polyscore;

my $dir = "$VECTORS/offsets";
my @cases = do {
    open my $fh, '<', "$dir/manifest.json" or die "$dir/manifest.json: $!";
    local $/;
    @{ JSON::PP->new->decode(<$fh>)->{cases} };
};
cmp_ok(scalar @cases, '>', 0, scalar(@cases) . ' cases in the offsets manifest');

# Index of the first value off the training library's (-1 if none): XGBoost's are
# repeated to the bit; LightGBM's value is numpy's exp of the margin.
sub off_library {
    my ($case, $got, $want) = @_;
    return $case->{library} eq 'lightgbm' ? close_enough($got, $want, 4e-16) : same_bits($got, $want);
}

for my $c (@cases) {
    my $m = Polyscore::Model->load("$dir/$c->{model}");
    my $rows = read_csv("$dir/$c->{input}");
    my $n = @$rows;
    my $bm_rows = read_csv("$dir/$c->{base_margin}");
    my $bm = flat($bm_rows);
    is(scalar @$bm, $n * $c->{num_margins}, "$c->{name}: one offset per row and margin");
    for my $out (qw(value margin contrib interactions)) {
        next unless $c->{outputs}{$out};  # interactions: XGBoost tree models only
        my $want = flat(read_csv("$dir/$c->{outputs}{$out}{file}"));
        my $got = $m->predict($rows, undef, { output => $out, base_margin => $bm });
        my $bad = same_bits($got, offsets_reference($c, $out));
        is($bad, -1, "$c->{name} $out: bit-equal to the C library") or diag("first difference at $bad");
        $bad = off_library($c, $got, $want);
        is($bad, -1, "$c->{name} $out: the training library's values") or diag("first difference at $bad");
        is(same_bits($m->predict($rows, undef, { output => $out, base_margin => $bm_rows }), $got), -1,
           "$c->{name} $out: offsets as one array ref per row");
        is(off_library($c, $m->predict(flat($rows), $n, { output => $out, dtype => 'float32',
                                                          base_margin => $bm }), $want), -1,
           "$c->{name} $out: float32 rows");
        # Without the offsets the model's base score: other numbers, so the checks above
        # fail if the offsets are dropped.
        isnt(same_bits($m->predict($rows, undef, { output => $out }), $want), -1,
             "$c->{name} $out: other values without base_margin");
        my $k = @$got / $n;
        my $row_ok = 1;
        for my $r (0 .. 4) {
            my $one = $m->predict_row($rows->[$r], { output => $out, base_margin => $bm_rows->[$r] });
            $row_ok = 0 if same_bits($one, [ @$got[ $r * $k .. $r * $k + $k - 1 ] ]) != -1;
        }
        ok($row_ok, "$c->{name} $out: predict_row with the row's offsets equals predict");
    }
    $m->close;
}

sub dies_with {
    my ($code, $name, $re, $label) = @_;
    my $ok = eval { $code->(); 1 };
    my $err = $@;
    subtest $label => sub {
        ok(!$ok, 'dies');
        isa_ok($err, 'Polyscore::Error');
        is(eval { $err->name }, $name, "status $name");
        like(eval { $err->message } // '', $re, 'message');
    };
}

my ($soft) = grep { $_->{name} eq 'xgb3_offset_softprob' } @cases;
my $m = Polyscore::Model->load("$dir/$soft->{model}");
my $x = read_csv("$dir/$soft->{input}");
dies_with(sub { $m->predict($x, undef, { base_margin => [ (0) x 40 ] }) },
          'PS_ERR_INVALID_ARGUMENT', qr/120/, 'one offset per row for 3 margins (120 expected)');
dies_with(sub { $m->predict($x, undef, { base_margin => [] }) },
          'PS_ERR_INVALID_ARGUMENT', qr/120/, 'an empty list is not "no offsets"');
dies_with(sub { $m->predict([], 0, { base_margin => [0, 0, 0] }) },
          'PS_ERR_INVALID_ARGUMENT', qr/no rows/, 'offsets for no rows');
dies_with(sub { $m->predict($x, undef, { output => 'leaf', base_margin => [ (0) x 120 ] }) },
          'PS_ERR_INVALID_ARGUMENT', qr/LEAF/, 'leaf output takes no offsets');
dies_with(sub { $m->predict($x, undef, { base_margin => '0.5' }) },
          'PS_ERR_INVALID_ARGUMENT', qr/base_margin must be an array reference/, 'not an array ref');
dies_with(sub { $m->predict_row($x->[0], { base_margin => [0, 'abc', 0] }) },
          'PS_ERR_INVALID_ARGUMENT', qr/base_margin element 1 is not a number: 'abc'/, 'not a number');
dies_with(sub { $m->predict_row($x->[0], { base_margin => [0] }) },
          'PS_ERR_INVALID_ARGUMENT', qr/base_margin/, 'predict_row: one offset for 3 margins');
is_deeply($m->predict([], 0, { base_margin => [] }), [], 'no rows, no offsets: an empty result');
$m->close;
done_testing;
