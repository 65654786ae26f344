# One model used from many Perl ithreads at once gives exact results; closing it while
# calls are in flight never crashes (they fail with PS_ERR_INVALID_HANDLE).
use strict;
use warnings;
use Config;
use Test::More;
BEGIN {
    plan skip_all => 'this perl has no ithreads' unless $Config{useithreads};
}
use threads;
use FindBin;
use lib "$FindBin::Bin/lib";
use PSTest qw($ROOT);
use Polyscore;

my @x = map { ($_ % 7) / 3 - 1, ($_ % 5) / 2 } 0 .. 199;
my $m = Polyscore::Model->load("$ROOT/examples/fraud/fraud-v3.json");
my $want = $m->predict(\@x, 200);
my $want_key = pack 'd<*', @$want;

# A cloned object does not own the handle: only the creating thread frees it.
my @workers = map {
    threads->create(sub {
        my $bad = 0;
        for (1 .. 200) {
            $bad++ if pack('d<*', @{ $m->predict(\@x, 200) }) ne $want_key;
            my $r = $m->predict_row([ @x[ 2 * ($_ % 200), 2 * ($_ % 200) + 1 ] ]);
            $bad++ if pack('d<', $r->[0]) ne pack('d<', $want->[$_ % 200]);
        }
        return $bad;
    });
} 1 .. 4;
my $bad = 0;
$bad += $_->join for @workers;
is($bad, 0, '4 threads x 200 calls on one model: exact results');
ok(eval { $m->predict_row([0.4, 1.2]); 1 }, 'model still usable after the threads ended');

# Close while calls are in flight.
my $victim = Polyscore::Model->load("$ROOT/examples/fraud/fraud-v3.json");
my @racers = map {
    threads->create(sub {
        my ($ok, $closed, $other) = (0, 0, 0);
        for (1 .. 20000) {
            my $p = eval { $victim->predict(\@x, 200) };
            if ($p) { $ok++; die 'wrong result' if pack('d<*', @$p) ne $want_key; next }
            if (ref $@ && $@->name eq 'PS_ERR_INVALID_HANDLE') { $closed++; last }
            $other++;
            last;
        }
        return "$ok,$closed,$other";
    });
} 1 .. 3;
select(undef, undef, undef, 0.05);
$victim->close;
my @res = map { [ split /,/, $_->join ] } @racers;
is(scalar(grep { $_->[2] } @res), 0, 'no unexpected errors while closing');
is(scalar(grep { $_->[1] } @res), 3, 'every thread saw PS_ERR_INVALID_HANDLE after close')
    or diag(join ' ', map { "[@$_]" } @res);
undef $victim;
pass('no crash closing during predict');

done_testing;
