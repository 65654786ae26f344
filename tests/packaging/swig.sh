# Perl, Tcl, Ruby: `make -C bindings/swig install` against the C section's installed
# library (the one compile of this section: the SWIG wrappers), into a DESTDIR; each
# language then finds its module through its own search path variable (PERL5LIB,
# TCLLIBPATH, RUBYLIB: what a DESTDIR needs; without DESTDIR the modules land on the
# default paths) and scores the fraud model.
# (Sourced by tests/packaging/test.sh.)

package_swig() {
  if [ -z "${C_PREFIX:-}" ]; then echo "   FAIL swig: needs the C section's installed library"; return 1; fi
  local root=$WORK/swig-root mk=(make -s -C "$ROOT/bindings/swig" POLYSCORE_BUILD_DIR="$C_LIBDIR" BUILD="$WORK/swig-build")
  timed "Perl/Tcl/Ruby: make install" "${mk[@]}" install DESTDIR="$root" >"$WORK/swig.log" 2>&1 ||
    { cat "$WORK/swig.log"; return 1; }
  local perl_arch ruby_arch ruby_lib tcl_root
  perl_arch=$root$(perl -MConfig -e 'print $Config{installsitearch}')
  ruby_arch=$root$(ruby -rrbconfig -e 'print RbConfig::CONFIG["sitearchdir"]')
  ruby_lib=$root$(ruby -rrbconfig -e 'print RbConfig::CONFIG["sitelibdir"]')
  tcl_root=$root/usr/local/lib/tcltk

  local app
  app=$(newdir swig)
  cp "$MODEL" "$app/"
  cat >"$app/score.pl" <<'EOT'
use Polyscore;
printf "score=%.17g\n", Polyscore::Model->load('fraud-v3.json')->predict_row([0.4, 1.2])->[0];
EOT
  cat >"$app/score.rb" <<'EOT'
require 'polyscore'
Polyscore::Model.open('fraud-v3.json') { |m| puts m.predict_row([0.4, 1.2])[0] }
EOT
  cat >"$app/score.tcl" <<'EOT'
package require polyscore
polyscore::with_model m fraud-v3.json { puts [lindex [polyscore::predict_row $m {0.4 1.2}] 0] }
EOT
  local perl_cmd="clean '$app' env PERL5LIB='$perl_arch' perl score.pl"
  local ruby_cmd="clean '$app' env RUBYLIB='$ruby_lib:$ruby_arch' ruby score.rb"
  local tcl_cmd="clean '$app' env TCLLIBPATH='$tcl_root' tclsh score.tcl"
  local lang cmd
  for lang in Perl Ruby Tcl; do
    case $lang in Perl) cmd="shortest \"\$($perl_cmd 2>&1)\"" ;; Ruby) cmd=$ruby_cmd ;; Tcl) cmd=$tcl_cmd ;; esac
    check_score "$lang module" "$(eval "$cmd" 2>&1)"
    AFTER+=("$lang module:$cmd")
  done

  # The conformance vectors through each installed module: the binding's own tests (from
  # the checkout, read-only), with only the installed module on the language's path. The
  # C reference is the C section's installed CLI and the ps_ref this install built against
  # the installed library (copied away, so no build directory of modules is in reach).
  local ref=$WORK/swig-ref
  mkdir -p "$ref"
  if ! "${mk[@]}" ref >>"$WORK/swig.log" 2>&1 || ! cp "$WORK/swig-build/ps_ref" "$ref/"; then
    echo "   FAIL swig: could not build ps_ref, the C reference of the conformance tests"; failed+=("swig conformance"); return 0
  fi
  local swig=$ROOT/bindings/swig conf=(POLYSCORE_BUILD_DIR="$C_PREFIX/bin" POLYSCORE_SWIG_BUILD="$ref")
  local where
  where=$(clean "$app" env PERL5LIB="$perl_arch" perl -MPolyscore -e 'print $INC{"Polyscore.pm"}' 2>&1)
  case $where in "$root"/*) ;; *) echo "   FAIL swig: Perl took Polyscore.pm from '$where', not the install"; failed+=("perl conformance") ;; esac
  swig_conformance Perl clean "$app" env PERL5LIB="$perl_arch" "${conf[@]}" prove "$swig/perl/t/10-conformance.t"
  swig_conformance Ruby clean "$app" env RUBYLIB="$ruby_lib:$ruby_arch" "${conf[@]}" ruby "$swig/ruby/test/test_conformance.rb"
  swig_conformance Tcl clean "$swig" env TCLLIBPATH="$tcl_root" "${conf[@]}" tclsh tcl/tests/conformance.test
  # The per-row margin offsets (tests/vectors/offsets) the same way.
  swig_conformance Perl-offsets clean "$app" env PERL5LIB="$perl_arch" "${conf[@]}" prove "$swig/perl/t/12-offsets.t"
  swig_conformance Ruby-offsets clean "$app" env RUBYLIB="$ruby_lib:$ruby_arch" "${conf[@]}" ruby "$swig/ruby/test/test_offsets.rb"
  swig_conformance Tcl-offsets clean "$swig" env TCLLIBPATH="$tcl_root" "${conf[@]}" tclsh tcl/tests/offsets.test
}

swig_conformance() {  # swig_conformance LANG CMD...: runs a conformance test, reports it
  local lang=$1 log=$WORK/swig-conformance-$1.log; shift
  if "$@" >"$log" 2>&1 && ! grep -qiE "^not ok|[1-9][0-9]* (failures|errors)|Failed [1-9]" "$log"; then
    echo "   ok   $lang conformance vectors from the installed module: $(grep -E '^Result|runs,|Total' "$log" | tail -1)"
  else
    tail -20 "$log"; echo "   FAIL swig: $lang conformance tests"; failed+=("$lang conformance")
  fi
}
