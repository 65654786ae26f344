# What the SWIG module exposes of the C ABI equals abi_tests/layout.json, the one table
# abi_tests/layout_gen.c prints from the C header (schema: abi_tests/README.md):
#  - every PS_* constant the module exposes has the table's value, and the module
#    exposes every constant of the table;
#  - Model->info returns exactly the fields of ps_model_info (but struct_size): the
#    typemap names them itself.
# The C structs are not compared: the wrapper is C compiled against the header, so the
# binding has no copy of them (comparing the header with itself cannot fail).
# $POLYSCORE_LAYOUT_JSON names another table (to see the check fail).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP ();
use PSTest qw($ROOT);
use Polyscore;

my $path = $ENV{POLYSCORE_LAYOUT_JSON} || "$ROOT/abi_tests/layout.json";
my $table = do {
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    JSON::PP->new->decode(<$fh>);
};

is($table->{schema}, 1, "$path: schema 1");
my %sections = map { $_ => 1 } qw(schema generator abi_version platform structs constants);
is_deeply([ grep { !$sections{$_} } sort keys %$table ], [], 'no section this test does not know');

# Differences as readable lines (empty when the two agree).
sub differences {
    my ($want, $got) = @_;
    my @out;
    for my $k (sort keys %$want) {
        if (!exists $got->{$k}) {
            push @out, "missing from the binding: $k=$want->{$k}";
        } elsif ("$got->{$k}" ne "$want->{$k}") {
            push @out, "$k: binding $got->{$k}, table $want->{$k}";
        }
    }
    push @out, map { "not in the table: $_=$got->{$_}" } grep { !exists $want->{$_} } sort keys %$got;
    return \@out;
}

# Every PS_* constant the module exposes ($polyscore_swig::PS_*).
my %const;
{
    no strict 'refs';
    for my $name (grep { /\APS_/ } keys %polyscore_swig::) {
        my $v = ${"polyscore_swig::$name"};
        $const{$name} = $v if defined $v;
    }
}
ok(scalar(keys %const) > 0, 'the module exposes PS_* constants');
my $cdiff = differences($table->{constants}, \%const);
is_deeply($cdiff, [], 'constants: module == layout.json') or diag(join "\n", @$cdiff);

cmp_ok(Polyscore::REQUIRED_ABI, '<=', $table->{constants}{PS_ABI_VERSION} // 0,
       'REQUIRED_ABI <= the header\'s PS_ABI_VERSION');
is($table->{abi_version}, $table->{constants}{PS_ABI_VERSION}, 'abi_version == PS_ABI_VERSION');

# The ps_model_info typemap names the fields itself: it must name every one.
my $m = Polyscore::Model->load("$ROOT/examples/fraud/fraud-v3.json");
my @info_fields = grep { $_ ne 'struct_size' }
    map { $_->{name} } @{ $table->{structs}{ps_model_info}{fields} || [] };
is_deeply([ sort keys %{ $m->info } ], [ sort @info_fields ],
          'Model->info has exactly the fields of ps_model_info');
$m->close;

done_testing;
