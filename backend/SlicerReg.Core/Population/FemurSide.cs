namespace SlicerReg.Core.Population;

/// <summary>Which femur a subject is (before mirroring: every dataset volume is a right femur).</summary>
public enum FemurSide { Right, Left }
