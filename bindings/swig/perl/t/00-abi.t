use strict;
use warnings;
use Test::More;
use Polyscore;

my $abi = Polyscore::abi_version();
cmp_ok($abi, '>=', Polyscore::REQUIRED_ABI, "library ABI $abi >= binding's " . Polyscore::REQUIRED_ABI);
like(Polyscore::version(), qr/^\d+\.\d+\.\d+/, 'version string ' . Polyscore::version());
ok(Polyscore::require_abi(), 'require_abi() with the default version passes');
ok(Polyscore::require_abi($abi), 'require_abi(current) passes');

my $want = $abi + 1;
ok(!eval { Polyscore::require_abi($want); 1 }, 'require_abi(newer) dies');
my $err = $@;
isa_ok($err, 'Polyscore::Error');
is($err->name, 'PS_ERR_ABI_VERSION', 'status name');
is($err->code, $polyscore_swig::PS_ERR_ABI_VERSION, 'status code');
like("$err", qr/\b$want\b/, 'message names the required version');
like("$err", qr/ABI version $abi\b/, 'message names the library version');

# The raw header function is wrapped too, with the same error conversion.
ok(!eval { polyscore_swig::ps_abi_check($want); 1 }, 'raw ps_abi_check dies');
is($@->name, 'PS_ERR_ABI_VERSION', 'raw ps_abi_check status');
is(polyscore_swig::ps_status_name($polyscore_swig::PS_ERR_SHAPE), 'PS_ERR_SHAPE', 'ps_status_name');
is($polyscore_swig::PS_ABI_VERSION, 6, 'PS_ABI_VERSION constant from the header');

done_testing;
