# The conventions every binding shares with C (docs/bindings.md): threads 0 is all
# cores, an empty batch gives an empty result, info after close is PS_ERR_INVALID_HANDLE,
# input that is not a number, an unknown option name and a negative count are
# polyscore errors, and the names are the header's (the CLI's).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use PSTest qw($ROOT);
use Polyscore;

my $fraud = "$ROOT/examples/fraud/fraud-v3.json";

# The Polyscore::Error $code dies with, or undef when it lives.
sub error_of {
    my ($code) = @_;
    return eval { $code->(); 1 } ? undef : $@;
}

sub dies_named {
    my ($code, $name, $re, $label) = @_;
    my $err = error_of($code);
    ok(ref $err && $err->isa('Polyscore::Error') && $err->name eq $name && $err->message =~ $re,
       $label) or diag("got: " . (defined $err ? "$err" : 'no error'));
}

my $m = Polyscore::Model->load($fraud);
my @rows = (0.4, 1.2, 0.0, 0.5);

is_deeply($m->predict(\@rows, 2, {threads => 0}), $m->predict(\@rows, 2), 'threads 0 (all cores) scores the same');
dies_named(sub { $m->predict(\@rows, 2, {threads => -1}) }, 'PS_ERR_INVALID_ARGUMENT', qr/num_threads/,
           'negative threads');

for my $output (qw(value leaf)) {
    is_deeply($m->predict([], 0, {output => $output}), [], "empty batch, n_rows 0, $output: empty result");
    is_deeply($m->predict([], undef, {output => $output}), [], "empty batch, no n_rows, $output: empty result");
}

dies_named(sub { $m->predict(\@rows, -2) }, 'PS_ERR_INVALID_ARGUMENT', qr/n_rows must be between 0 and \d+, not -2/,
           'negative n_rows');
dies_named(sub { $m->output_size(-1) }, 'PS_ERR_INVALID_ARGUMENT', qr/n_rows .* not -1/, 'negative n_rows, output_size');
dies_named(sub { $m->predict_row([0.4, 1.2], {iteration_begin => -1}) }, 'PS_ERR_INVALID_ARGUMENT',
           qr/iteration_begin .* not -1/, 'negative iteration_begin');

dies_named(sub { $m->predict([0.4, 'N/A'], 1) }, 'PS_ERR_INVALID_ARGUMENT', qr/not a number: 'N\/A'/, "'N/A'");
dies_named(sub { $m->predict_row([0.4, '']) }, 'PS_ERR_INVALID_ARGUMENT', qr/not a number: ''/, 'empty string');
is_deeply($m->predict([0.4, undef], 1), $m->predict([0.4, 'nan'], 1), 'undef is a missing value');

dies_named(sub { $m->predict(\@rows, 2, {thread => 2}) }, 'PS_ERR_INVALID_ARGUMENT',
           qr/unknown option 'thread' \(options are: output, iteration_begin, iteration_end, dtype, threads, base_margin, shap_algorithm\)/,
           'unknown predict option');
dies_named(sub { $m->predict_row([0.4, 1.2], {outptu => 'margin'}) }, 'PS_ERR_INVALID_ARGUMENT',
           qr/unknown option 'outptu'/, 'unknown predict_row option');
dies_named(sub { Polyscore::Model->load($fraud, {fromat => 'xgboost-json'}) }, 'PS_ERR_INVALID_ARGUMENT',
           qr/unknown option 'fromat'/, 'unknown load option');

is($m->info->{num_features}, 2, 'info before close');
$m->close;
dies_named(sub { $m->info }, 'PS_ERR_INVALID_HANDLE', qr/./, 'info after close');

is_deeply([sort keys %Polyscore::FORMAT], [sort qw(auto xgboost-json xgboost-ubjson lightgbm-text)],
          "format names are the header's");
dies_named(sub { Polyscore::Model->load($fraud, {format => 'lightgbm'}) }, 'PS_ERR_INVALID_ARGUMENT',
           qr/lightgbm-text/, 'lightgbm is not a format name');

done_testing();
