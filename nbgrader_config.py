"""nbgrader configuration: the repository root is the course root.

Instructors run plain nbgrader commands from here, e.g.
``nbgrader generate_assignment softmax`` or ``nbgrader autograde softmax``.
"""
import os

c = get_config()  # noqa: F821 (injected by traitlets)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "dl-losses"
# solutions/ holds the instructor's source notebooks (reference answers,
# visible and hidden tests); exercises/ holds the released student versions.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
# A hidden test never needs long; a runaway student cell must not hang a run.
c.ExecutePreprocessor.timeout = 120
