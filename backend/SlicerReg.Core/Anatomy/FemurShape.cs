using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Anatomy;

/// <summary>The implicit parts of the phantom, each rasterisable on its own (tests, part masks for a generator).</summary>
public enum PhantomPart { Head, Neck, GreaterTrochanter, LesserTrochanter, Metaphysis, Shaft, Femur, Pelvis, Body }

/// <summary>
/// The geometry of one phantom subject as signed distance functions (mm, negative inside) of points in the femur
/// reference frame (RAS, origin at the head centre, proximal shaft axis along z; see <see cref="NetworkPreset.AtlasGrid"/> and
/// docs/phantom.md). Right femur: lateral is +x.
/// <para>
/// Construction: head = sphere at the origin. Neck axis n (unit, from the shaft toward the head) makes the neck-shaft angle
/// θ with the distal shaft direction (0, 0, −1) and leans anteriorly by the anteversion α:
/// n = (−sin θ cos α, sin θ sin α, −cos θ). The neck axis meets the shaft axis at P = −L·n with L = offset / sin θ, so the
/// head centre lies exactly <c>FemoralOffset</c> from the shaft axis. Neck = round cone from near P to the head centre,
/// narrowest (head diameter / head-neck ratio) at the head. Greater and lesser trochanter and the intertrochanteric
/// metaphysis are ellipsoids; the shaft is a tube bowed anteriorly on a circle of radius <c>BowRadius</c>, with the shaft
/// axis defined as the chord through its centre at P and 120 mm below P. Parts are joined by smooth unions (fillets).
/// Pelvis: an acetabular mass hollowed by a sphere of radius head + joint space, open along the cup axis (inclination,
/// acetabular anteversion), with iliac, ischial and pubic bone attached.
/// </para>
/// </summary>
public sealed class FemurShape
{
    /// <summary>Length of the chord that defines the shaft axis (mm below P); the bow is measured from it.</summary>
    public const double ShaftChordLength = 120;
    const double Fillet = 6, NeckFillet = 3, PelvisFillet = 8;

    public FemurParameters Parameters { get; }
    public Vec3 HeadCentre { get; } = Vec3.Zero;
    public double HeadRadius { get; }
    /// <summary>Unit neck axis, pointing from the shaft toward the head.</summary>
    public Vec3 NeckAxis { get; }
    /// <summary>Where the neck axis meets the shaft axis.</summary>
    public Vec3 NeckShaftPoint { get; }
    /// <summary>Unit distal shaft direction of the frame (the chord): (0, 0, −1).</summary>
    public Vec3 ShaftDirection { get; } = new(0, 0, -1);
    public double ShaftRadius { get; }
    public double NeckRadius { get; }
    /// <summary>z of the lesser trochanter's centre (mm).</summary>
    public double LesserTrochanterLevel { get; }
    /// <summary>Unit axis of the acetabular opening (out of the socket).</summary>
    public Vec3 CupAxis { get; }

    readonly Vec3 _neckBase; readonly double _neckBaseRadius;
    readonly Vec3 _gtCentre, _gtSemi, _metaCentre, _metaSemi, _ltCentre, _ltSemi, _ltU, _ltV;
    readonly double _shaftTop;
    readonly Vec3 _massCentre, _massSemi, _iliumCentre, _iliumSemi, _ischiumA, _ischiumB, _pubisA, _pubisB;
    readonly double _socketRadius, _cupCut;
    readonly Vec3 _bodyCentre; readonly double _bodyA, _bodyB;

    public FemurShape(FemurParameters p)
    {
        p.Validate();
        Parameters = p;
        HeadRadius = p.HeadDiameter / 2;
        NeckRadius = p.HeadDiameter / p.HeadNeckRatio / 2;
        ShaftRadius = p.ShaftDiameter / 2;
        double theta = p.NeckShaftAngle * Math.PI / 180, alpha = p.Anteversion * Math.PI / 180;
        NeckAxis = new Vec3(-Math.Sin(theta) * Math.Cos(alpha), Math.Sin(theta) * Math.Sin(alpha), -Math.Cos(theta));
        double neckLength = p.FemoralOffset / Math.Sin(theta);
        NeckShaftPoint = HeadCentre - neckLength * NeckAxis;

        // Neck: widest at its base (a flare into the trochanteric region), narrowest at the head.
        _neckBase = NeckShaftPoint + 0.1 * neckLength * NeckAxis;
        _neckBaseRadius = 1.3 * NeckRadius;

        var P = NeckShaftPoint;
        // Greater trochanter: lateral and slightly posterior on the shaft axis, tip at the parameter's height.
        _gtSemi = new Vec3(11, p.GreaterTrochanterWidth / 2, 20);
        _gtCentre = new Vec3(P.X + 0.45 * ShaftRadius, P.Y - 4, p.GreaterTrochanterTip - _gtSemi.Z);
        LesserTrochanterLevel = -p.LesserTrochanterDistance;
        // Intertrochanteric metaphysis: from just above the neck base to below the lesser trochanter.
        double top = P.Z + 12, bottom = LesserTrochanterLevel - 18;
        _metaSemi = new Vec3(ShaftRadius + 7, ShaftRadius + 3, Math.Max(10, (top - bottom) / 2));
        _metaCentre = new Vec3(P.X, P.Y, (top + bottom) / 2);
        // Lesser trochanter: postero-medial, 30° behind the medial direction.
        double phi = 30 * Math.PI / 180;
        _ltU = new Vec3(-Math.Cos(phi), -Math.Sin(phi), 0);
        _ltV = new Vec3(-_ltU.Y, _ltU.X, 0);
        _ltSemi = new Vec3(8, p.LesserTrochanterWidth / 2, p.LesserTrochanterLength / 2);
        _ltCentre = ShaftCentre(LesserTrochanterLevel) + (ShaftRadius + 4) * _ltU;
        _shaftTop = P.Z + 5;

        // Pelvis around the head centre H = 0.
        double beta = p.AcetabularInclination * Math.PI / 180, gamma = p.AcetabularAnteversion * Math.PI / 180;
        CupAxis = new Vec3(Math.Sin(beta) * Math.Cos(gamma), Math.Sin(gamma), -Math.Cos(beta) * Math.Cos(gamma));
        _socketRadius = HeadRadius + p.JointSpace;
        _cupCut = 0.1 * _socketRadius; // rim slightly past the equator: ~170° of coverage
        double outer = _socketRadius + 8;
        _massCentre = new Vec3(-8, -2, 6);
        _massSemi = new Vec3(outer + 2, outer + 4, outer + 2);
        _iliumCentre = new Vec3(-18, -6, 48); _iliumSemi = new Vec3(14, 30, 38);
        _ischiumA = new Vec3(-8, -14, -12); _ischiumB = new Vec3(-22, -28, -62);
        _pubisA = new Vec3(-10, 14, -6); _pubisB = new Vec3(-62, 22, -14);

        // Centred medial of the shaft so the outline holds the pelvic bone on the medial side of every grid preset.
        _bodyCentre = new Vec3(P.X - 35, P.Y, 0);
        _bodyA = p.ThighSemiAxisML; _bodyB = p.ThighSemiAxisAP;
    }

    /// <summary>Centre of the (bowed) shaft at height z: anterior offset s(c − s)/(2R), s = depth below P, c = chord length.</summary>
    public Vec3 ShaftCentre(double z)
    {
        double s = Math.Max(0, NeckShaftPoint.Z - z);
        return new Vec3(NeckShaftPoint.X, NeckShaftPoint.Y + s * (ShaftChordLength - s) / (2 * Parameters.BowRadius), z);
    }

    public double Head(Vec3 q) => Sdf.Sphere(q, HeadCentre, HeadRadius);
    public double Neck(Vec3 q) => Sdf.RoundCone(q, _neckBase, HeadCentre, _neckBaseRadius, NeckRadius);
    public double GreaterTrochanter(Vec3 q) => Sdf.Ellipsoid(q - _gtCentre, _gtSemi);
    public double Metaphysis(Vec3 q) => Sdf.Ellipsoid(q - _metaCentre, _metaSemi);
    public double LesserTrochanter(Vec3 q)
    {
        Vec3 d = q - _ltCentre;
        return Sdf.Ellipsoid(new Vec3(d.Dot(_ltU), d.Dot(_ltV), d.Z), _ltSemi);
    }
    public double Shaft(Vec3 q)
    {
        Vec3 c = ShaftCentre(q.Z);
        double radial = Math.Sqrt((q.X - c.X) * (q.X - c.X) + (q.Y - c.Y) * (q.Y - c.Y)) - ShaftRadius;
        return Math.Max(radial, q.Z - _shaftTop);
    }

    /// <summary>Outer surface of the whole femur (head, neck, trochanters, metaphysis, shaft).</summary>
    public double Femur(Vec3 q)
    {
        double d = Sdf.SmoothUnion(Shaft(q), Metaphysis(q), Fillet);
        d = Sdf.SmoothUnion(d, GreaterTrochanter(q), Fillet);
        d = Sdf.SmoothUnion(d, LesserTrochanter(q), Fillet);
        d = Sdf.SmoothUnion(d, Neck(q), Fillet);
        return Sdf.SmoothUnion(d, Head(q), NeckFillet);
    }

    /// <summary>Acetabulum with part of the ilium, ischium and pubis; keeps at least <c>JointSpace</c> from the femur.</summary>
    public double Pelvis(Vec3 q) => Pelvis(q, Femur(q));

    /// <summary><see cref="Pelvis(Vec3)"/> given the femur's distance at q (the rasteriser has it already).</summary>
    public double Pelvis(Vec3 q, double femurDistance)
    {
        double mass = Math.Max(Sdf.Ellipsoid(q - _massCentre, _massSemi), (q - HeadCentre).Dot(CupAxis) - _cupCut);
        double d = Sdf.SmoothUnion(mass, Sdf.Ellipsoid(q - _iliumCentre, _iliumSemi), PelvisFillet);
        d = Sdf.SmoothUnion(d, Sdf.Capsule(q, _ischiumA, _ischiumB, 11), PelvisFillet);
        d = Sdf.SmoothUnion(d, Sdf.Capsule(q, _pubisA, _pubisB, 9), PelvisFillet);
        d = Math.Max(d, _socketRadius - (q - HeadCentre).Norm);
        // Clearance: no pelvic bone within the joint space of any part of the femur (the neck passes close to the ischium).
        return Math.Max(d, Parameters.JointSpace - femurDistance);
    }

    /// <summary>
    /// Thigh/hip outline: an elliptic cylinder along z, smoothly widened wherever bone would come closer than the fat layer
    /// plus 5 mm to it, so bone always lies under muscle whatever the sampled sizes; air outside.
    /// </summary>
    public double Body(Vec3 q)
    {
        double f = Femur(q);
        return Body(q, f, Pelvis(q, f));
    }

    /// <summary><see cref="Body(Vec3)"/> given the femur's and pelvis's distances at q.</summary>
    public double Body(Vec3 q, double femurDistance, double pelvisDistance)
        => Sdf.SmoothUnion(Outline(q), Math.Min(femurDistance, pelvisDistance) - (Parameters.FatThickness + 5), 20);

    double Outline(Vec3 q)
    {
        double x = q.X - _bodyCentre.X, y = q.Y - _bodyCentre.Y;
        double ax = x / _bodyA, ay = y / _bodyB, k0 = Math.Sqrt(ax * ax + ay * ay);
        if (k0 < 1e-12) return -Math.Min(_bodyA, _bodyB);
        double bx = ax / _bodyA, by = ay / _bodyB;
        return k0 * (k0 - 1) / Math.Sqrt(bx * bx + by * by);
    }

    /// <summary>0 in the epiphysis/metaphysis, 1 in the diaphysis: ramps over 30 mm starting 10 mm below the lesser trochanter.</summary>
    public double DiaphysisWeight(double z)
    {
        double t = Math.Clamp((LesserTrochanterLevel - 10 - z) / 30, 0, 1);
        return t * t * (3 - 2 * t);
    }

    /// <summary>Local cortical thickness of the femur: thin shell proximally, <c>CorticalThickness</c> in the diaphysis.</summary>
    public double CortexThickness(double z)
    {
        double w = DiaphysisWeight(z);
        return Parameters.ShellThickness + w * (Parameters.CorticalThickness - Parameters.ShellThickness);
    }

    /// <summary>HU inside the cortex: cancellous bone proximally, marrow in the medullary canal.</summary>
    public double InteriorHU(double z)
    {
        double w = DiaphysisWeight(z);
        return Parameters.CancellousHU + w * (Parameters.MarrowHU - Parameters.CancellousHU);
    }

    public double Part(PhantomPart part, Vec3 q) => part switch
    {
        PhantomPart.Head => Head(q),
        PhantomPart.Neck => Neck(q),
        PhantomPart.GreaterTrochanter => GreaterTrochanter(q),
        PhantomPart.LesserTrochanter => LesserTrochanter(q),
        PhantomPart.Metaphysis => Metaphysis(q),
        PhantomPart.Shaft => Shaft(q),
        PhantomPart.Femur => Femur(q),
        PhantomPart.Pelvis => Pelvis(q),
        PhantomPart.Body => Body(q),
        _ => throw new ArgumentOutOfRangeException(nameof(part)),
    };
}
