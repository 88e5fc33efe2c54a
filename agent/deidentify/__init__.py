"""De-identification on site: the attributes that leave with the encodings, the checks that
need them, and the opt-out list.

``[attributes]`` and ``[enrollments]`` declarations become specs (``specs``), each applying one transform
(``transforms``; the ready SPD 15 race/ethnicity mapping is in ``spd15``) to a source
column or to the date of birth or ZIP; ``build_attributes`` applies them to a block of rows.
"""

from hublink.agent.deidentify.build import (AttributeProblem, SourceDates, attribute_specs,
                                            build_attributes, enrollment_specs, unmapped_codes)
from hublink.agent.deidentify.opt_out import read_opt_out_file
from hublink.agent.deidentify.specs import (AttributeSpec, attribute_columns,
                                            parse_attribute_specs, parse_date)

__all__ = ["AttributeProblem", "AttributeSpec", "SourceDates", "attribute_columns",
           "attribute_specs", "build_attributes", "enrollment_specs", "parse_attribute_specs", "parse_date", "read_opt_out_file",
           "unmapped_codes"]
