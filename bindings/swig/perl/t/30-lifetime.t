# Ownership: each model handle is freed exactly once; memory stays flat over many
# load/predict/close cycles.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use PSTest qw($ROOT rss_kb);
use Polyscore;

my $fraud = "$ROOT/examples/fraud/fraud-v3.json";
my @row = (0.4, 1.2);

{   # close, then the object goes out of scope (destructor must not free again)
    my $m = Polyscore::Model->load($fraud);
    ok(@{ $m->predict_row(\@row) } == 1, 'predicts');
    $m->close;
}
pass('close then scope exit: no double free');

{   # close twice
    my $m = Polyscore::Model->load($fraud);
    $m->close;
    $m->close;
    ok($m->closed, 'still closed');
}
pass('close twice: harmless');

{   # never closed: the destructor frees it
    my $m = Polyscore::Model->load($fraud);
    $m->predict_row(\@row);
}
pass('scope exit without close frees');

{   # the raw SWIG object: delete via DESTROY after close, and undef
    my $raw = polyscore_swig::Model->new($fraud, 0);
    $raw->close;
    undef $raw;
    pass('raw object: close then undef');
}

{   # a closed handle's slot reused by a new model must not be freed by the old object
    my $a = Polyscore::Model->load($fraud);
    $a->close;
    my $b = Polyscore::Model->load($fraud);
    undef $a;    # must not free $b's handle
    my $p = eval { $b->predict_row(\@row) };
    ok($p && @$p == 1, 'a new model survives the destruction of a closed one') or diag($@);
}

# Leak loop: 1000 cycles of load, predict, close.
my $rows = [ (0.4, 1.2, 0.0, 0.5) x 50 ];
my $cycle = sub {
    my $m = Polyscore::Model->load($fraud);
    my $p = $m->predict($rows, 100);
    my $r = $m->predict_row(\@row);
    my $i = $m->info;
    my $names = $m->feature_names;
    $m->close;
    die 'bad' unless @$p == 100;
};
$cycle->() for 1 .. 200;    # warm up allocator and caches
my $before = rss_kb();
$cycle->() for 1 .. 1000;
my $after = rss_kb();
my $growth = $after - $before;
diag(sprintf 'RSS before %d KiB, after %d KiB, growth %d KiB', $before, $after, $growth);
cmp_ok($growth, "<", 256, "1000 load/predict/close cycles: RSS growth under 256 KiB");

# The same with errors: failed loads and failed predicts must not leak either.
my $errs = sub {
    eval { Polyscore::Model->load('/nonexistent.json') };
    my $m = Polyscore::Model->load($fraud);
    eval { $m->predict([1, 2, 3], 1) };
    $m->close;
    eval { $m->predict_row(\@row) };
};
$errs->() for 1 .. 200;
$before = rss_kb();
$errs->() for 1 .. 1000;
$growth = rss_kb() - $before;
cmp_ok($growth, "<", 256, "1000 failing cycles: RSS growth $growth KiB under 256 KiB");

done_testing;
