"""Reference implementations of the graded functions, one module per
assignment. The hidden tests compare students' answers with these; they
never reach the released notebooks or the book."""
