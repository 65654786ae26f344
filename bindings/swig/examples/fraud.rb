#!/usr/bin/env ruby
# Scores examples/fraud/rows.csv with the fraud-v3 model and prints one probability per row.
#   ruby -I build/ruby -I ruby/lib examples/fraud.rb [MODEL] [ROWS.csv]
require 'polyscore'

root = File.expand_path('../../..', __dir__)
model = ARGV[0] || File.join(root, 'examples', 'fraud', 'fraud-v3.json')
csv = ARGV[1] || File.join(root, 'examples', 'fraud', 'rows.csv')

rows = File.readlines(csv, chomp: true).drop(1).reject(&:empty?).map { |l| l.split(',').map(&:to_f) }
Polyscore::Model.open(model) do |m|
  m.predict(rows).each { |p| puts format('%.17g', p) }
end
