"""Synthetic youth population and partner files with realistic recording errors."""

from hublink.synthetic.corruption import ErrorRates, Recording, corrupt
from hublink.synthetic.dataset import PartnerFile, SyntheticDataset, TruthRecord, read_truth
from hublink.synthetic.names import GROUPS
from hublink.synthetic.partner_specs import DEFAULT_PARTNERS, PartnerSpec, real_world_partners
from hublink.synthetic.partners import generate_dataset, write_partner_files
from hublink.synthetic.population import Person, generate_population

__all__ = [
    "DEFAULT_PARTNERS", "ErrorRates", "GROUPS", "PartnerFile", "PartnerSpec", "Person",
    "Recording", "SyntheticDataset", "TruthRecord", "corrupt", "generate_dataset",
    "generate_population", "read_truth", "real_world_partners", "write_partner_files",
]
