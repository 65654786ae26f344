#!/usr/bin/env perl
# Scores examples/fraud/rows.csv with the fraud-v3 model and prints one probability per row.
#   perl -I build/perl -I perl/lib examples/fraud.pl [MODEL] [ROWS.csv]
use strict;
use warnings;
use FindBin;
use Polyscore;

my $root  = "$FindBin::Bin/../../..";
my $model = shift // "$root/examples/fraud/fraud-v3.json";
my $csv   = shift // "$root/examples/fraud/rows.csv";

my $m = Polyscore::Model->load($model);
open my $fh, '<', $csv or die "$csv: $!";
my $header = <$fh>;                      # amount_zscore,velocity
my @rows = map { chomp; [ split /,/ ] } grep { /\S/ } <$fh>;
my $p = $m->predict(\@rows);             # array of rows: n_rows is counted
printf "%.17g\n", $_ for @$p;
$m->close;
