# Runs every Ruby test file in one process: ruby -Ibuild/ruby -Iruby/lib ruby/test/all.rb
Dir[File.join(__dir__, 'test_*.rb')].sort.each { |f| require f }
