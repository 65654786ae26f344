# The binding's view of the C ABI equals abi_tests/layout.json, which
# abi_tests/layout_gen.c generates from the C header (schema: abi_tests/README.md):
#  - every PS_* constant the SWIG module exposes has the table's value, and the module
#    exposes every constant of the table;
#  - ps_swig_layout() (polyscore_swig.h, compiled into the wrapper) reports the size,
#    alignment, tail padding and field list of every struct, and each field's offset,
#    size, C type and PS_*_INIT default, exactly as the table has them: a struct or
#    field the table has and the shim does not list fails;
#  - Model->info returns exactly the fields of ps_model_info (but struct_size).
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

# The table as "key=value" pairs, in the shim's spelling.
my %want;
$want{"platform.$_"} = $table->{platform}{$_} for keys %{ $table->{platform} };
for my $st (keys %{ $table->{structs} }) {
    my $s = $table->{structs}{$st};
    for my $k (keys %$s) {
        next if $k eq 'fields';
        $want{"struct.$st.$k"} = $s->{$k};
    }
    $want{"struct.$st.fields"} = join ',', map { $_->{name} } @{ $s->{fields} };
    for my $f (@{ $s->{fields} }) {
        for my $k (keys %$f) {
            $want{"field.$st.$f->{name}.$k"} = $f->{$k} unless $k eq 'name';
        }
    }
}

my %got;
my $text = polyscore_swig::ps_swig_layout();
ok(defined $text && length $text, 'ps_swig_layout() reports something');
for my $line (split /\n/, $text // '') {
    my ($k, $v) = $line =~ /\A([^=]+)=(.*)\z/ or do { fail("shim line without '=': $line"); next };
    fail("shim reports $k twice") if exists $got{$k};
    $got{$k} = $v;
}

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

is_deeply(differences(\%want, \%got), [], 'structs and platform: shim == layout.json')
    or diag(join "\n", @{ differences(\%want, \%got) });

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
