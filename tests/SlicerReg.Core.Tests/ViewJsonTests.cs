using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Tests;

/// <summary>Issue 21: a hostile or broken view JSON is refused in the user's words, not the JSON library's.</summary>
public class ViewJsonTests
{
    static string Refused(string json)
    {
        var e = Assert.Throws<FormatException>(() => ViewFile.Parse(json, "v.json"))!;
        Assert.That(e.Message, Does.StartWith("v.json: "));
        Assert.That(e.Message, Does.Not.Contain("JsonReader").And.Not.Contain("StartArray"));
        return e.Message;
    }

    [Test]
    public void ArraysNested100000Deep_AreAnArrayNotAView()
        => Assert.That(Refused(new string('[', 100_000) + new string(']', 100_000)), Is.EqualTo("v.json: a view is one JSON object {…}, but this text starts with an array ["));

    [Test]
    public void ObjectsNested100000Deep_AreTooDeep()
    {
        string deep = string.Concat(Enumerable.Repeat("{\"a\":", 100_000)) + "1" + new string('}', 100_000);
        Assert.That(Refused(deep), Does.Contain("nested more than 16 levels deep"));
    }

    [TestCase("", "empty")]
    [TestCase("42", "starts with a number")]
    [TestCase("{\"source\": [0, 0, 1]} {}", "text after the view's closing brace")]
    [TestCase("{\"source\": [0, 0,", "not valid JSON")]
    public void OtherBrokenTexts_SayWhatIsWrong(string json, string expected)
        => Assert.That(Refused(json), Does.Contain(expected));

    [Test]
    public void RadiographMetadataView_UsesTheSameRules()
    {
        var e = Assert.Throws<FormatException>(() => CalibratedView.FromJsonString("[[[]]]", "metadata \"slicerreg_view\""))!;
        Assert.That(e.Message, Is.EqualTo("metadata \"slicerreg_view\": a view is one JSON object {…}, but this text starts with an array ["));
    }
}
