# Bad input dies with a Polyscore::Error carrying the library's status and message.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use PSTest qw($ROOT $VECTORS);
use Polyscore;

my $fraud = "$ROOT/examples/fraud/fraud-v3.json";

sub dies_with {
    my ($code, $name, $re, $label) = @_;
    my $ok = eval { $code->(); 1 };
    my $err = $@;
    subtest $label => sub {
        ok(!$ok, 'dies');
        isa_ok($err, 'Polyscore::Error');
        is(eval { $err->name }, $name, "status $name");
        is(eval { $err->code }, eval "\$polyscore_swig::$name", 'numeric code');
        like("$err", qr/^\Q$name\E: /, 'string form starts with the status name');
        like(eval { $err->message } // '', $re, 'library message');
    };
}

dies_with(sub { Polyscore::Model->load('/nonexistent/model.json') },
          'PS_ERR_IO', qr{/nonexistent/model\.json}, 'missing file');

my $dir = tempdir(CLEANUP => 1);
for my $name (qw(xgb3_binary_logistic.json lgb4_binary.txt xgb3_binary_logistic.ubj)) {
    my $src = "$VECTORS/models/$name";
    ok(-f $src, "$name exists") or next;
    open my $in, '<:raw', $src or die $!;
    local $/;
    my $bytes = <$in>;
    my $cut = "$dir/truncated-$name";
    open my $out, '>:raw', $cut or die $!;
    print $out substr($bytes, 0, int(length($bytes) / 2));
    close $out;
    dies_with(sub { Polyscore::Model->load($cut) }, 'PS_ERR_PARSE', qr/./, "truncated $name");
    dies_with(sub { Polyscore::Model->load_buffer(substr($bytes, 0, 40)) }, 'PS_ERR_PARSE', qr/./,
              "truncated buffer of $name");
    my $m = Polyscore::Model->load_buffer($bytes);
    ok($m->info->{num_trees} > 0, "load_buffer of $name works");
}
dies_with(sub { Polyscore::Model->load_buffer('') }, 'PS_ERR_PARSE', qr/./, 'empty buffer');

my $m = Polyscore::Model->load($fraud);
dies_with(sub { $m->predict([1, 2, 3], 1) }, 'PS_ERR_SHAPE', qr/3 features.*expects 2/,
          'wrong feature count');
dies_with(sub { $m->predict([1, 2, 3], 2) }, 'PS_ERR_SHAPE', qr/3 values/, 'wrong array length');
dies_with(sub { $m->predict_row([1, 2, 3]) }, 'PS_ERR_SHAPE', qr/3 features/,
          'predict_row: wrong feature count');
dies_with(sub { $m->predict([1, 'abc'], 1) }, 'PS_ERR_INVALID_ARGUMENT', qr/abc/, 'not a number');
dies_with(sub { $m->predict('1,2', 1) }, 'PS_ERR_INVALID_ARGUMENT', qr/array reference/,
          'not an array ref');
dies_with(sub { $m->predict([1, 2], 1, { output => 'proba' }) }, 'PS_ERR_INVALID_ARGUMENT',
          qr/unknown output 'proba'/, 'unknown output kind');
dies_with(sub { $m->predict([1, 2], 1, { iteration_begin => 5, iteration_end => 2 }) },
          'PS_ERR_INVALID_ARGUMENT', qr/./, 'bad iteration range');

is_deeply($m->predict([], 0), [], 'zero rows give an empty result');
my $missing = $m->predict([undef, 'nan', 0.4, 1.2], 2);
is(scalar @$missing, 2, 'undef and "nan" are missing values');

$m->close;
ok($m->closed, 'closed');
dies_with(sub { $m->predict([0.4, 1.2], 1) }, 'PS_ERR_INVALID_HANDLE', qr/./, 'predict after close');
dies_with(sub { $m->predict_row([0.4, 1.2]) }, 'PS_ERR_INVALID_HANDLE', qr/./, 'predict_row after close');
dies_with(sub { $m->info }, 'PS_ERR_INVALID_HANDLE', qr/./, 'info after close');

done_testing;
